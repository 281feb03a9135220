"""Micro-batching on its own: merging, deadlines, cancellation and the queue limit."""

from __future__ import annotations

import asyncio
import time

import pytest

from wsd_service import BatcherConfig, DeadlineExpiredError, OverloadedError
from wsd_service._serving.batcher import MicroBatcher


class SlowLengths:
    """A stand-in encoder that is slow enough to build a queue: returns word counts."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.calls: list[list[list[str]]] = []

    def __call__(self, sentences: list[list[str]]) -> list[int]:
        self.calls.append(sentences)
        time.sleep(self.seconds)
        return [len(s) for s in sentences]


def test_concurrent_work_is_merged_and_split_back() -> None:
    encode = SlowLengths(0.01)

    async def run() -> list[list[int]]:
        batcher = MicroBatcher(encode, BatcherConfig(max_batch_sentences=8, max_wait=0.05))
        batcher.start()
        try:
            jobs = [batcher.encode([["w"] * (i + 1)]) for i in range(6)]
            return await asyncio.gather(*jobs)
        finally:
            await batcher.stop()

    assert asyncio.run(run()) == [[1], [2], [3], [4], [5], [6]]
    assert len(encode.calls) == 1 and len(encode.calls[0]) == 6


def test_expired_and_cancelled_work_is_never_encoded() -> None:
    encode = SlowLengths(0.2)

    async def run() -> MicroBatcher[int]:
        batcher = MicroBatcher(encode, BatcherConfig(max_batch_sentences=1, max_wait=0))
        batcher.start()
        busy = asyncio.ensure_future(batcher.encode([["first"]]))
        await asyncio.sleep(0.05)  # the encoder is now busy with "first"
        expiring = asyncio.ensure_future(batcher.encode([["late"]], timeout=0.01))
        cancelled = asyncio.ensure_future(batcher.encode([["gone"]]))
        await asyncio.sleep(0.01)
        cancelled.cancel()
        assert await busy == [1]
        with pytest.raises(DeadlineExpiredError):
            await expiring
        await asyncio.sleep(0.05)
        await batcher.stop()
        return batcher

    batcher = asyncio.run(run())
    assert [s for call in encode.calls for s in call] == [["first"]]
    assert (batcher.stats.skipped_expired, batcher.stats.skipped_cancelled) == (1, 1)


def test_queue_limit() -> None:
    async def run() -> None:
        batcher = MicroBatcher(SlowLengths(0.1), BatcherConfig(max_queue_sentences=3))
        batcher.start()
        try:
            with pytest.raises(OverloadedError, match="queue is full"):
                await batcher.encode([["a"]] * 4)
            assert await batcher.encode([["a"]] * 3) == [1, 1, 1]
        finally:
            await batcher.stop()

    asyncio.run(run())
