"""Micro-batching on its own: merging, deadlines, cancellation and the queue limit.

The batcher reads the time from a clock the tests move themselves, and the stand-in encoder
holds a batch until the test lets it go: every assertion is about the logic, none about how
long a busy machine took.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from wsd_service import BatcherConfig, DeadlineExpiredError, OverloadedError
from wsd_service._serving.batcher import MicroBatcher
from wsd_service._serving.slot_board import SlotBoard

from .waiting import eventually


class Clock:
    """The batcher's time: moved only by the test and by the stand-in encoder."""

    def __init__(self) -> None:
        self.now = 100.0
        self._lock = threading.Lock()  # the encoder moves it from its own thread

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


class Lengths:
    """A stand-in encoder that returns word counts. A batch takes ``per_batch`` seconds of the
    clock plus ``per_word`` a word, once ``release`` lets it finish (set unless a test clears it)."""

    def __init__(self, clock: Clock, per_word: float = 0.0, per_batch: float = 0.0) -> None:
        self.clock = clock
        self.per_word = per_word
        self.per_batch = per_batch
        self.calls: list[list[list[str]]] = []
        self.release = threading.Event()
        self.release.set()

    def __call__(self, sentences: list[list[str]]) -> list[int]:
        self.calls.append(sentences)
        if not self.release.wait(30):
            raise TimeoutError("the test never released the encoder")
        self.clock.advance(self.per_batch + self.per_word * sum(len(s) for s in sentences))
        return [len(s) for s in sentences]


# One sentence a batch, and a queue never old enough to count as standing: tests of deadlines
# move the clock by seconds without CoDel's queue timeout stepping in.
ONE_AT_A_TIME = BatcherConfig(max_batch_sentences=1, slots=1, standing_after=60, standing_timeout=60)


def words(count: int) -> list[list[str]]:
    """One sentence of ``count`` words."""
    return [["w"] * count]


def test_a_partial_batch_waits_max_wait_for_more_work_and_a_full_one_does_not() -> None:
    clock = Clock()
    encode = Lengths(clock)

    async def run() -> None:
        config = BatcherConfig(max_batch_sentences=8, max_wait=0.05, slots=1)
        batcher = MicroBatcher(encode, config, clock=clock)
        batcher.start()
        try:
            first = [asyncio.ensure_future(batcher.encode(words(n))) for n in (1, 2, 3)]
            for _ in range(20):  # the worker runs, sees a partial batch and waits for more
                await asyncio.sleep(0)
            more = [asyncio.ensure_future(batcher.encode(words(n))) for n in (4, 5, 6)]
            # Longer than the wait's own timeout in real time: the clock, not the event loop,
            # says when max_wait is over, and it stood still.
            await asyncio.sleep(0.06)
            assert batcher.stats.batches == 0
            clock.advance(0.05)
            assert await asyncio.gather(*first, *more) == [[1], [2], [3], [4], [5], [6]]
            assert [len(call) for call in encode.calls] == [6]  # merged, and split back in order
            full = await asyncio.gather(*(batcher.encode(words(1)) for _ in range(8)))
            assert full == [[1]] * 8 and [len(call) for call in encode.calls] == [6, 8]  # no wait
        finally:
            await batcher.stop()

    asyncio.run(run())


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
    counts = [0, 2]  # this worker, and another running two batches on the two cores
    board = SlotBoard(counts, worker=0, cores=2)
    running: list[int] = []  # this worker's batches on the board as each batch starts encoding

    def encode(sentences: list[list[str]]) -> list[int]:
        running.append(counts[0])
        return [len(s) for s in sentences]

    async def run() -> None:
        batcher = MicroBatcher(encode, BatcherConfig(max_batch_sentences=1, slots=2), board=board)
        batcher.start()
        try:
            await asyncio.gather(*(batcher.encode([["w"]]) for _ in range(4)))
        finally:
            await batcher.stop()

    asyncio.run(run())
    # A second batch would be on the board before either started encoding: one at a time.
    assert running == [1, 1, 1, 1] and counts == [0, 2]


def test_expired_and_cancelled_work_is_never_encoded() -> None:
    clock = Clock()
    encode = Lengths(clock, per_word=0.1)  # 10 words a second

    async def run() -> MicroBatcher[int]:
        # A queue that may use 3/4 of a deadline, so that a call is admitted and then expires.
        batcher = MicroBatcher(encode, replace(ONE_AT_A_TIME, admission_share=0.75), clock=clock)
        batcher.start()
        await batcher.encode(words(10))  # measures the rate
        encode.release.clear()
        busy = asyncio.ensure_future(batcher.encode(words(15)))  # 1.5 s
        await eventually(lambda: len(encode.calls) == 2, "the encoder to take the busy call")
        # Admitted: 7.5 + 5 words ahead take 1.25 s, within 3/4 of 1.8 s.
        deadline = clock() + 1.8
        expiring = asyncio.ensure_future(batcher.encode(words(5), timeout=1.8))
        cancelled = asyncio.ensure_future(batcher.encode(words(1)))
        await eventually(lambda: batcher.queue_depth == 2, "both calls queued")
        cancelled.cancel()
        encode.release.set()
        assert await busy == [15]
        # When the busy batch is done 0.3 s are left, and 5 words need 0.5 s: dropped before
        # the deadline, the encoder spared.
        with pytest.raises(DeadlineExpiredError):
            await expiring
        assert clock() < deadline
        await batcher.stop()
        return batcher

    batcher = asyncio.run(run())
    assert [len(call[0]) for call in encode.calls] == [10, 15]
    assert (batcher.stats.skipped_expired, batcher.stats.skipped_cancelled) == (1, 1)


def test_queue_limit() -> None:
    async def run() -> None:
        batcher = MicroBatcher(Lengths(Clock()), BatcherConfig(max_queue_sentences=3, slots=1))
        batcher.start()
        try:
            with pytest.raises(OverloadedError, match="queue is full"):
                await batcher.encode([["a"]] * 4)
            assert await batcher.encode([["a"]] * 3) == [1, 1, 1]
        finally:
            await batcher.stop()

    asyncio.run(run())


def test_the_rate_is_measured_on_the_clock_and_smoothed() -> None:
    clock = Clock()
    encode = Lengths(clock, per_word=0.02)  # 50 words a second

    async def run() -> None:
        batcher = MicroBatcher(encode, BatcherConfig(slots=1), clock=clock)
        batcher.start()
        try:
            await batcher.encode(words(10))
            assert batcher.words_per_second == pytest.approx(50)
            encode.per_word = 0.1  # 10 words a second now: the estimate moves a fifth of the way
            await batcher.encode(words(10))
            assert batcher.words_per_second == pytest.approx(0.8 * 50 + 0.2 * 10)
        finally:
            await batcher.stop()

    asyncio.run(run())


@contextlib.asynccontextmanager
async def _judging(jitter: float) -> AsyncIterator[tuple[MicroBatcher[int], Lengths]]:
    """A started batcher, one call at a time, over an encoder of 50 words a second of the test's
    clock; afterwards its encoder is released and it is stopped."""
    encode = Lengths(Clock(), per_word=0.02)
    batcher = MicroBatcher(encode, ONE_AT_A_TIME, clock=encode.clock, jitter=lambda: jitter)
    batcher.start()
    try:
        yield batcher, encode
    finally:
        encode.release.set()
        await batcher.stop()


def test_retry_hints_spread_while_refusals_outnumber_queued_calls() -> None:
    """Refused callers are told to come back over more queue budgets while more are refused
    than queued, and over fewer again once calls are queued: it settles near one refusal per
    queued call."""

    async def run() -> None:
        async with _judging(jitter=1.0) as (batcher, encode):
            await batcher.encode(words(10))  # measures the rate
            encode.release.clear()
            blocking = [asyncio.ensure_future(batcher.encode(words(50))) for _ in range(2)]
            await eventually(lambda: len(encode.calls) == 2, "the encoder to take one of them")
            hints: list[float] = []
            for _ in range(100):
                with pytest.raises(OverloadedError) as refused:
                    batcher.admit(10, timeout=0.2)
                assert refused.value.retry_after is not None
                hints.append(refused.value.retry_after)
            budget = ONE_AT_A_TIME.admission_share * 0.2
            assert hints == sorted(hints) and hints[-1] - hints[0] > 5 * budget
            widest = batcher.spread
            queued = [asyncio.ensure_future(batcher.encode(words(1), timeout=100)) for _ in range(100)]
            await eventually(lambda: batcher.spread < widest / 2, "queued calls to narrow the spread")
            encode.release.set()
            await asyncio.gather(*blocking, *queued)

    asyncio.run(run())


def test_admission_refuses_a_deadline_that_cannot_be_met() -> None:
    async def run() -> None:
        async with _judging(jitter=0.5) as (batcher, encode):
            assert batcher.expected_wait(10) is None  # nothing measured yet: admitted
            await batcher.encode(words(10))
            encode.release.clear()
            queued = [asyncio.ensure_future(batcher.encode(words(10))) for _ in range(3)]
            await eventually(lambda: len(encode.calls) == 2, "the encoder to take one of them")
            # One runs (counted half done), two wait: 5 + 20 + 10 words at 50 words/s.
            assert batcher.expected_wait(10) == pytest.approx(0.7)
            with pytest.raises(OverloadedError, match="the deadline cannot be met") as refused:
                await batcher.encode(words(10), timeout=0.3)
            # The queue may use its share of the deadline: retry once 0.7 s of work fits in that
            # budget, plus the jitter's share (here half) of the budget times the spread (one
            # refusal so far: barely above one budget).
            budget = ONE_AT_A_TIME.admission_share * 0.3
            assert 1.0 < batcher.spread < 1.1
            assert refused.value.retry_after == pytest.approx(0.7 - budget + 0.5 * budget * batcher.spread)
            admitted = asyncio.ensure_future(batcher.encode(words(10), timeout=10))
            encode.release.set()
            assert await admitted == [10]
            await asyncio.gather(*queued)
            assert batcher.stats.refused_deadline == 1

    asyncio.run(run())


def test_a_standing_queue_serves_newest_first_and_refuses_stale_work() -> None:
    clock = Clock()
    encode = Lengths(clock, per_batch=0.2)
    config = BatcherConfig(max_batch_sentences=1, standing_after=0.3, standing_timeout=0.7, slots=1)

    async def run() -> list[BaseException | list[int]]:
        batcher = MicroBatcher(encode, config, clock=clock)
        batcher.start()
        try:
            jobs = [batcher.encode(words(n)) for n in range(1, 9)]  # job n has n words
            return await asyncio.gather(*jobs, return_exceptions=True)
        finally:
            await batcher.stop()

    outcomes = asyncio.run(run())
    # At 0 and 0.2 s the queue is not standing yet: first come first served. From 0.4 s it
    # stands: newest first; at 0.8 s the rest has waited past 0.7 s and is refused.
    assert [len(call[0]) for call in encode.calls] == [1, 2, 8, 7]
    refused = [n for n, outcome in enumerate(outcomes, 1) if isinstance(outcome, OverloadedError)]
    assert refused == [3, 4, 5, 6]
    assert all("standing queue" in str(outcomes[n - 1]) for n in refused)


def test_admission_learns_how_late_its_expectations_run() -> None:
    """A call admitted on an expected wait of 1 s that waits 2 s (the cores were busy elsewhere)
    makes the next expectations longer by a tenth of the gap."""
    clock = Clock()
    encode = Lengths(clock, per_word=0.1)  # 10 words a second

    async def run() -> None:
        batcher = MicroBatcher(encode, ONE_AT_A_TIME, clock=clock)
        batcher.start()
        try:
            await batcher.encode(words(10))  # measures the rate
            encode.release.clear()
            late = asyncio.ensure_future(batcher.encode(words(10), timeout=100))  # expected: 1 s
            await eventually(lambda: len(encode.calls) == 2, "the encoder to take it")
            clock.advance(1.0)
            encode.release.set()
            assert await late == [10]
            assert batcher.lateness == pytest.approx(0.9 + 0.1 * 2.0)
            assert batcher.words_per_second is not None
            assert batcher.expected_wait(10) == pytest.approx(1.1 * 10 / batcher.words_per_second)
        finally:
            await batcher.stop()

    asyncio.run(run())
