"""Micro-batching on its own: merging, deadlines, cancellation and the queue limit."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from wsd_service import BatcherConfig, DeadlineExpiredError, OverloadedError
from wsd_service._serving.batcher import MicroBatcher
from wsd_service._serving.slot_board import SlotBoard


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
        batcher = MicroBatcher(encode, BatcherConfig(max_batch_sentences=8, max_wait=0.05, slots=1))
        batcher.start()
        try:
            jobs = [batcher.encode([["w"] * (i + 1)]) for i in range(6)]
            return await asyncio.gather(*jobs)
        finally:
            await batcher.stop()

    assert asyncio.run(run()) == [[1], [2], [3], [4], [5], [6]]
    assert len(encode.calls) == 1 and len(encode.calls[0]) == 6


def test_each_slot_encodes_a_batch_at_the_same_time() -> None:
    together = threading.Barrier(2, timeout=5)  # broken unless both batches run at once

    def encode(sentences: list[list[str]]) -> list[int]:
        together.wait()
        return [len(s) for s in sentences]

    async def run() -> list[list[int]]:
        batcher = MicroBatcher(encode, BatcherConfig(max_batch_sentences=1, slots=2))
        batcher.start()
        try:
            return list(await asyncio.gather(batcher.encode([["a"]]), batcher.encode([["b", "c"]])))
        finally:
            await batcher.stop()

    assert asyncio.run(run()) == [[1], [2]]


def test_a_second_batch_waits_while_other_workers_hold_the_cores() -> None:
    running, most = 0, 0
    lock = threading.Lock()

    def encode(sentences: list[list[str]]) -> list[int]:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return [len(s) for s in sentences]

    counts = [0, 2]  # this worker, and another running two batches on the two cores
    board = SlotBoard(counts, worker=0, cores=2)

    async def run() -> None:
        batcher = MicroBatcher(encode, BatcherConfig(max_batch_sentences=1, slots=2), board=board)
        batcher.start()
        try:
            await asyncio.gather(*(batcher.encode([["w"]]) for _ in range(4)))
        finally:
            await batcher.stop()

    asyncio.run(run())
    assert most == 1 and counts == [0, 2]  # one batch at a time, and the count is back to 0


def test_expired_and_cancelled_work_is_never_encoded() -> None:
    encode = SlowLengths(0.2)

    async def run() -> MicroBatcher[int]:
        batcher = MicroBatcher(encode, BatcherConfig(max_batch_sentences=1, max_wait=0, slots=1))
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
        batcher = MicroBatcher(SlowLengths(0.1), BatcherConfig(max_queue_sentences=3, slots=1))
        batcher.start()
        try:
            with pytest.raises(OverloadedError, match="queue is full"):
                await batcher.encode([["a"]] * 4)
            assert await batcher.encode([["a"]] * 3) == [1, 1, 1]
        finally:
            await batcher.stop()

    asyncio.run(run())


def test_admission_refuses_a_deadline_that_cannot_be_met() -> None:
    encode = SlowLengths(0.2)

    async def run() -> None:
        batcher = MicroBatcher(encode, BatcherConfig(max_batch_sentences=1, max_wait=0, slots=1))
        batcher.start()
        try:
            assert batcher.expected_wait(10) is None  # nothing measured yet: admitted
            await batcher.encode([["w"] * 10])  # measures about 50 words/s
            queued = [asyncio.ensure_future(batcher.encode([["w"] * 10])) for _ in range(3)]
            await asyncio.sleep(0.05)  # one runs, two wait: about 0.7 s of work ahead of 10 words
            with pytest.raises(OverloadedError, match="the deadline cannot be met") as refused:
                await batcher.encode([["w"] * 10], timeout=0.3)
            assert refused.value.retry_after is not None and 0.1 < refused.value.retry_after < 1.0
            assert await batcher.encode([["w"] * 10], timeout=10) == [10]  # a deadline it can meet
            await asyncio.gather(*queued)
            assert batcher.stats.refused_deadline == 1
        finally:
            await batcher.stop()

    asyncio.run(run())


def test_a_standing_queue_serves_newest_first_and_refuses_stale_work() -> None:
    encode = SlowLengths(0.2)
    config = BatcherConfig(
        max_batch_sentences=1, max_wait=0, standing_after=0.3, standing_timeout=0.7, slots=1
    )

    async def run() -> list[BaseException | list[int]]:
        batcher = MicroBatcher(encode, config)
        batcher.start()
        try:
            jobs = [batcher.encode([["w"] * n]) for n in range(1, 9)]  # job n has n words
            return await asyncio.gather(*jobs, return_exceptions=True)
        finally:
            await batcher.stop()

    outcomes = asyncio.run(run())
    served = [len(call[0]) for call in encode.calls]
    assert served[:3] == [1, 2, 8]  # first come first served, then (standing) newest first
    refused = [n for n, outcome in enumerate(outcomes, 1) if isinstance(outcome, OverloadedError)]
    assert refused and "standing queue" in str(outcomes[refused[0] - 1])
    assert sorted(served + refused) == list(range(1, 9))  # each job served or refused, once
