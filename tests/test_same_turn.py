"""Calls whose vectors come back together are ranked together, and answered as if alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from wsd_service import BatcherConfig, Document, TargetResult
from wsd_service._core.arrays import Vector
from wsd_service._engine.query.pipeline import PendingDisambiguation, finish_together
from wsd_service._serving import data_plane
from wsd_service._serving.data_plane import DataPlane, DataPlaneConfig
from wsd_service._serving.same_turn import SameTurn


def _doubled(passes: list[list[int]]) -> SameTurn[int, int]:
    def run(items: list[int]) -> list[int]:
        passes.append(items)
        if 3 in items:
            raise ValueError("no threes")
        return [2 * item for item in items]

    return SameTurn(run)


def test_items_of_one_turn_run_in_one_pass_and_a_failing_one_fails_alone() -> None:
    passes: list[list[int]] = []

    async def main() -> list[int | BaseException]:
        same = _doubled(passes)
        first = await asyncio.gather(*(same.submit(item) for item in (1, 2, 4)))
        assert passes == [[1, 2, 4]]
        return [*first, *await asyncio.gather(*(same.submit(i) for i in (5, 3, 6)), return_exceptions=True)]

    results = asyncio.run(main())
    assert results[:4] == [2, 4, 8, 10] and results[5] == 12
    assert isinstance(results[4], ValueError)
    assert passes[1:] == [[5, 3, 6], [5], [3], [6]]  # the pass failed: each alone


def test_a_pass_that_answers_too_few_fails_its_callers_instead_of_leaving_them_waiting() -> None:
    async def main() -> list[int | BaseException]:
        same: SameTurn[int, int] = SameTurn(lambda items: [1] if len(items) == 1 else [])
        calls = asyncio.gather(*(same.submit(item) for item in (1, 2)), return_exceptions=True)
        return await asyncio.wait_for(calls, 5)

    results = asyncio.run(main())
    assert all(isinstance(result, RuntimeError) for result in results), results


def test_a_caller_that_has_gone_leaves_the_others_their_answers() -> None:
    async def main() -> list[int]:
        same = _doubled([])
        gone = asyncio.ensure_future(same.submit(7))
        kept = asyncio.ensure_future(same.submit(8))
        await asyncio.sleep(0)  # both submitted
        gone.cancel()
        return [await kept]

    assert asyncio.run(main()) == [16]


def test_concurrent_calls_are_ranked_together_as_they_would_be_alone(
    tiny_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [
        "I went to the bank and withdrew some cash.",
        "We had a picnic on the grassy river bank.",
        "The plant needs water and light.",
        "She will plant roses in the spring.",
    ] * 2
    passes: list[int] = []

    def checked(calls: list[tuple[PendingDisambiguation, list[Vector]]]) -> list[list[list[TargetResult]]]:
        passes.append(len(calls))
        together = finish_together(calls)
        # Were they not the same, the pass would fail and each call be ranked again alone.
        assert together == [pending.finish(vectors) for pending, vectors in calls]
        return together

    monkeypatch.setattr(data_plane, "finish_together", checked)

    async def main() -> list[list[TargetResult]]:
        # One slot that waits for the batch to fill: the eight calls share one encoder pass.
        config = BatcherConfig(slots=1, max_wait=0.5, max_batch_sentences=len(texts))
        plane = DataPlane(DataPlaneConfig(tiny_index, batcher=config))
        await plane.load()
        try:
            answers = await asyncio.gather(*(plane.disambiguate([Document(text=t)], 3, None) for t in texts))
        finally:
            await plane.close()
        return [answer[0] for answer in answers]

    served = asyncio.run(main())
    assert passes == [len(texts)]
    assert [target.text for target in served[0]] == ["went", "bank", "withdrew", "cash"]
    assert all(len(target.senses) == 3 for target in served[0][1:2])
