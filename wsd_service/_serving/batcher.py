"""Dynamic micro-batching: concurrent requests share encoder forward passes.

Requests queue their sentences; a batch of up to ``max_batch_sentences`` of them is taken
whenever one of the encoder's ``slots`` is free (waiting at most ``max_wait`` for more once the
first arrives), work whose caller has gone or whose deadline has passed is skipped, and each
batch runs on a thread of its own so the event loop stays free. Several slots, each encoding on
one core, keep every core busy whichever connections the calls come on.

Under overload (Google SRE book, "Handling Overload": refuse early and cheaply; Facebook, "Fail at
Scale", ACM Queue 2015: CoDel with adaptive LIFO):
- admission: a call whose deadline cannot be met, judged from the words queued ahead of it and
  the encoder's measured words per second, is refused at once with a retry hint, instead of
  occupying the queue until it expires;
- calls with a deadline are served first come first served: admission promised each a place,
  and serving them newest first lost goodput when measured (BENCHMARKS.md "Overload"); one that
  can no longer finish in time is dropped before it reaches the encoder;
- calls without a deadline, which admission cannot judge, are served newest first while the
  queue stands (not empty for ``standing_after``: adaptive LIFO), after the timed ones;
- in a standing queue, work older than ``standing_timeout`` is refused (CoDel's short queue
  timeout), so the encoder spends its time on calls that can still be answered usefully.

Every time the batcher reads (deadlines, queue ages, the measured rate) comes from its ``clock``,
so tests can drive time themselves instead of timing real sleeps. Only ``max_wait`` is waited on
the event loop: a partial batch waits until the clock passes it (or the batch fills).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from .._core.config import BatcherConfig
from .._core.errors import DeadlineExpiredError, OverloadedError
from .._util.cpus import available_cpus
from .slot_board import SlotBoard

Result = TypeVar("Result")
Other = TypeVar("Other")
Encode = Callable[[list[list[str]]], list[Result]]
# The retry hint's random part, in queue budgets, moves by this factor a call: up for each
# refused, down for each queued, so that it settles where about one call is refused per call
# queued (BENCHMARKS.md "Overload").
_SPREAD_STEP = math.exp(0.02)
_MOST_SPREAD = 50.0  # at most this many queue budgets
_LATENESS = (0.25, 10.0)  # bounds of one job's actual / expected wait, so one outlier cannot swing it


@dataclass(slots=True)
class _Job(Generic[Result]):
    sentences: list[list[str]]
    future: asyncio.Future[list[Result]]
    deadline: float | None  # clock time
    queued: float  # clock time
    words: int
    promised: float | None = None  # seconds admission expected it to wait (None: not judged)


@dataclass(slots=True)
class BatchStats:
    """Counters the metrics exporter and the tests read."""

    batches: int = 0
    sentences: int = 0
    skipped_expired: int = 0
    skipped_cancelled: int = 0
    refused_deadline: int = 0  # admission: the deadline could not be met
    refused_standing: int = 0  # waited too long in a standing queue
    sizes: list[int] = field(default_factory=list)  # the last 1,000 batch sizes


class MicroBatcher(Generic[Result]):
    def __init__(
        self,
        encode: Encode[Result],
        config: BatcherConfig | None = None,
        on_batch: Callable[[int], None] | None = None,
        board: SlotBoard | None = None,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._encode = encode
        self._clock = clock  # seconds; time.monotonic is what asyncio's loop.time() reads
        self._jitter = jitter  # a draw in [0, 1): where in the queue's time a retry is sent
        self._board = board  # other workers' batches, when workers share the cores
        self.config = config or BatcherConfig()
        self.slots = self.config.slots or available_cpus()
        self._on_batch = on_batch
        # Calls with a deadline, first come first served: admission has promised them a place.
        self._timed: deque[_Job[Result]] = deque()
        # Calls without one: newest first while the queue stands (adaptive LIFO).
        self._untimed: deque[_Job[Result]] = deque()
        self._queued_sentences = 0
        self._queued_words = 0
        self._running_words = 0
        self._running = 0  # batches on the encoder threads
        self._last_empty = 0.0  # clock time the queue was last seen empty
        self.words_per_second: float | None = None  # measured, smoothed over recent batches
        self.lateness = 1.0  # actual waits of admitted jobs over their expected ones, smoothed
        self.spread = 1.0  # queue budgets over which refused callers are told to come back
        self._wakeup = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=self.slots, thread_name_prefix="encoder")
        self._batches: set[asyncio.Task[None]] = set()  # kept referenced until done
        self._worker: asyncio.Task[None] | None = None
        self.stats = BatchStats()

    @property
    def queue_depth(self) -> int:
        """Sentences waiting for the encoder."""
        return self._queued_sentences

    def start(self) -> None:
        self._worker = asyncio.get_running_loop().create_task(self._run(), name="micro-batcher")

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        if self._batches:  # their callers are answered before the threads go
            await asyncio.wait(self._batches)
        for job in (*self._timed, *self._untimed):
            if not job.future.done():
                job.future.set_exception(OverloadedError("the server is shutting down"))
        self._executor.shutdown(wait=True)

    async def drain(self, poll: float = 0.01) -> None:
        """Wait until every queued job has been run, then stop (nothing queued is failed)."""
        while self._pending or self._running:
            await asyncio.sleep(poll)
        await self.stop()

    async def encode(self, sentences: Sequence[Sequence[str]], timeout: float | None = None) -> list[Result]:
        """Vectors for ``sentences``; ``timeout`` is the caller's remaining deadline in seconds."""
        size = len(sentences)
        if self._queued_sentences + size > self.config.max_queue_sentences:
            raise OverloadedError(
                f"the encoder queue is full ({self._queued_sentences} sentences waiting, limit "
                f"{self.config.max_queue_sentences}); retry later"
            )
        words = sum(len(s) for s in sentences)
        promised = None
        if timeout is not None:
            promised = self.admit(words, timeout)
            self.spread = max(self.spread / _SPREAD_STEP, 1.0)
        now = self._clock()
        deadline = None if timeout is None else now + timeout
        if not self._pending:
            self._last_empty = now
        future: asyncio.Future[list[Result]] = asyncio.get_running_loop().create_future()
        job = _Job([list(s) for s in sentences], future, deadline, now, words, promised)
        (self._untimed if deadline is None else self._timed).append(job)
        self._queued_sentences += size
        self._queued_words += words
        self._wakeup.set()
        # A cancelled caller cancels the future; the worker then skips the job.
        return await job.future

    def expected_wait(self, words: int) -> float | None:
        """Seconds until ``words`` more would be encoded, from the measured rate; None: unknown yet.

        Batches on the encoder are counted as half done: on average they are. The measured rate
        is one slot's, and every slot the machine leaves this worker works through the queue.
        The estimate is scaled by how far such estimates fell short of the waits jobs then had
        (``lateness``): the cores also prepare, rank and carry calls, which the rate leaves out.
        """
        if self.words_per_second is None:
            return None
        ahead = self._queued_words + self._running_words / 2 + words
        slots = self.slots if self._board is None else min(self.slots, self._board.share())
        return self.lateness * ahead / (self.words_per_second * slots)

    def _seconds_for(self, words: int) -> float:
        """Seconds one slot takes to encode ``words``."""
        return 0.0 if self.words_per_second is None else words / self.words_per_second

    def admit(self, words: int, timeout: float) -> float | None:
        """Refuse (OverloadedError with a retry hint) work that cannot be encoded in ``timeout``;
        return the wait it was admitted on (None: nothing measured yet).

        The hint is when the queue will have room for the call, plus a random share of
        ``spread`` queue budgets. The spread grows with every call refused and shrinks with
        every call queued, so it settles where callers come back about as fast as calls are
        queued: spread out, not together ("exponential backoff and jitter"), and refusing them
        costs the cores that serve little."""
        wait = self.expected_wait(words)
        budget = timeout * self.config.admission_share
        if wait is None or wait <= budget:
            return wait
        self.stats.refused_deadline += 1
        self.spread = min(self.spread * _SPREAD_STEP, _MOST_SPREAD)
        retry = wait - budget + self._jitter() * budget * self.spread
        raise OverloadedError(
            f"the deadline cannot be met: about {wait:.2f} s of encoder work ({self._queued_words}"
            f" words queued ahead, {words} in this call, at {self.words_per_second:.0f} words/s)"
            f" and the call has {timeout:.2f} s left; retry in {retry:.2f} s or with a"
            " longer deadline",
            retry_after=retry,
        )

    async def run_on_encoder_thread(self, function: Callable[[], Other]) -> Other:
        """Run other encoder work on an encoder thread, beside the batches."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending and self._slot_free():
                await self._fill()
                batch = self._take()
                if batch:
                    self._start(batch, loop)

    def _slot_free(self) -> bool:
        """A slot is free, and unless it is the first, a core is free machine-wide."""
        if self._running >= self.slots:
            return False
        return self._running == 0 or self._board is None or self._board.room()

    def _start(self, batch: list[_Job[Result]], loop: asyncio.AbstractEventLoop) -> None:
        self._running += 1
        if self._board is not None:
            self._board.running(self._running)
        self._running_words += sum(job.words for job in batch)
        task = loop.create_task(self._execute(batch, loop))
        self._batches.add(task)
        task.add_done_callback(self._batches.discard)

    async def _fill(self) -> None:
        """Wait up to max_wait for the batch to fill, when it is not full yet."""
        end = self._clock() + self.config.max_wait
        while self._queued_sentences < self.config.max_batch_sentences and self._clock() < end:
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), end - self._clock())

    def _take(self) -> list[_Job[Result]]:
        now = self._clock()
        standing = now - self._last_empty > self.config.standing_after
        if standing:
            self._refuse_stale(now)
        batch: list[_Job[Result]] = []
        size = 0
        while self._pending:
            queue, newest = (self._timed, False) if self._timed else (self._untimed, standing)
            job = queue[-1] if newest else queue[0]
            if batch and size + len(job.sentences) > self.config.max_batch_sentences:
                break
            self._remove(queue, newest)
            if job.future.done():  # the caller cancelled: its work is never computed
                self.stats.skipped_cancelled += 1
            elif job.deadline is not None and job.deadline <= now + self._seconds_for(job.words):
                self.stats.skipped_expired += 1  # it could not finish in time: the encoder is spared
                job.future.set_exception(
                    DeadlineExpiredError("the deadline passes before the work could be done")
                )
            else:
                batch.append(job)
                size += len(job.sentences)
        if not self._pending:
            self._last_empty = now
        return batch

    @property
    def _pending(self) -> bool:
        return bool(self._timed or self._untimed)

    def _remove(self, queue: deque[_Job[Result]], newest: bool) -> _Job[Result]:
        job = queue.pop() if newest else queue.popleft()
        self._queued_sentences -= len(job.sentences)
        self._queued_words -= job.words
        return job

    def _refuse_stale(self, now: float) -> None:
        """In a standing queue, refuse the work that has waited past ``standing_timeout``."""
        limit = self.config.standing_timeout
        for queue in (self._timed, self._untimed):
            while queue and now - queue[0].queued > limit:
                job = self._remove(queue, newest=False)
                if job.future.done():
                    continue
                self.stats.refused_standing += 1
                waited = now - job.queued
                job.future.set_exception(
                    OverloadedError(
                        f"overloaded: the call waited {waited:.2f} s in a standing queue; retry",
                        retry_after=limit,
                    )
                )

    async def _execute(self, batch: list[_Job[Result]], loop: asyncio.AbstractEventLoop) -> None:
        sentences = [s for job in batch for s in job.sentences]
        self.stats.batches += 1
        self.stats.sentences += len(sentences)
        self.stats.sizes = [*self.stats.sizes[-999:], len(sentences)]
        if self._on_batch is not None:
            self._on_batch(len(sentences))
        words = sum(job.words for job in batch)
        started = self._clock()
        try:
            results = await loop.run_in_executor(self._executor, self._encode, sentences)
            self._measure(words, self._clock() - started)
            self._calibrate(batch)
        except Exception as error:  # the encoder failed: every caller of this batch hears it
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(error)
            return
        finally:
            self._running -= 1
            self._running_words -= words
            if self._board is not None:
                self._board.running(self._running)
            self._wakeup.set()  # a slot is free
        self._answer(batch, results)

    def _measure(self, words: int, seconds: float) -> None:
        """Words per second, smoothed: an exponential average over recent batches."""
        if seconds <= 0:
            return
        rate = words / seconds
        previous = self.words_per_second
        self.words_per_second = rate if previous is None else 0.8 * previous + 0.2 * rate

    def _calibrate(self, batch: list[_Job[Result]]) -> None:
        """Learn how late admission's expectations run: each judged job's actual wait (queued
        to encoded) over the wait it was admitted on, smoothed like the rate."""
        now = self._clock()
        for job in batch:
            if job.promised:
                ratio = min(max((now - job.queued) / job.promised, _LATENESS[0]), _LATENESS[1])
                self.lateness = 0.9 * self.lateness + 0.1 * ratio

    @staticmethod
    def _answer(batch: list[_Job[Result]], results: list[Result]) -> None:
        start = 0
        for job in batch:
            end = start + len(job.sentences)
            if not job.future.done():
                job.future.set_result(results[start:end])
            start = end
