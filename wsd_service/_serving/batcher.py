"""Dynamic micro-batching: concurrent requests share encoder forward passes.

Requests queue their sentences; one worker takes up to ``max_batch_sentences`` of them (waiting
at most ``max_wait`` for more once the first arrives), skips work whose caller has gone or whose
deadline has passed, and runs the encoder on one thread so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from .._core.config import BatcherConfig
from .._core.errors import DeadlineExpiredError, OverloadedError

Result = TypeVar("Result")
Other = TypeVar("Other")
Encode = Callable[[list[list[str]]], list[Result]]


@dataclass(slots=True)
class _Job(Generic[Result]):
    sentences: list[list[str]]
    future: asyncio.Future[list[Result]]
    deadline: float | None  # loop time


@dataclass(slots=True)
class BatchStats:
    """Counters the metrics exporter and the tests read."""

    batches: int = 0
    sentences: int = 0
    skipped_expired: int = 0
    skipped_cancelled: int = 0
    sizes: list[int] = field(default_factory=list)  # the last 1,000 batch sizes


class MicroBatcher(Generic[Result]):
    def __init__(
        self,
        encode: Encode[Result],
        config: BatcherConfig | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._encode = encode
        self.config = config or BatcherConfig()
        self._on_batch = on_batch
        self._queue: deque[_Job[Result]] = deque()
        self._queued_sentences = 0
        self._wakeup = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encoder")
        self._worker: asyncio.Task[None] | None = None
        self._running = False  # a batch is on the encoder thread
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
        for job in self._queue:
            if not job.future.done():
                job.future.set_exception(OverloadedError("the server is shutting down"))
        self._executor.shutdown(wait=True)

    async def drain(self, poll: float = 0.01) -> None:
        """Wait until every queued job has been run, then stop (nothing queued is failed)."""
        while self._queue or self._running:
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
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        job: _Job[Result] = _Job([list(s) for s in sentences], loop.create_future(), deadline)
        self._queue.append(job)
        self._queued_sentences += size
        self._wakeup.set()
        # A cancelled caller cancels the future; the worker then skips the job.
        return await job.future

    async def run_exclusive(self, function: Callable[[], Other]) -> Other:
        """Run other encoder work on the encoder's thread, between batches."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._queue:
                await self._fill(loop)
                batch = self._take(loop)
                if batch:
                    await self._execute(batch, loop)

    async def _fill(self, loop: asyncio.AbstractEventLoop) -> None:
        """Wait up to max_wait for the batch to fill, when it is not full yet."""
        end = loop.time() + self.config.max_wait
        while self._queued_sentences < self.config.max_batch_sentences and loop.time() < end:
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), end - loop.time())

    def _take(self, loop: asyncio.AbstractEventLoop) -> list[_Job[Result]]:
        batch: list[_Job[Result]] = []
        size = 0
        now = loop.time()
        while self._queue:
            job = self._queue[0]
            if batch and size + len(job.sentences) > self.config.max_batch_sentences:
                break
            self._queue.popleft()
            self._queued_sentences -= len(job.sentences)
            if job.future.done():  # the caller cancelled: its work is never computed
                self.stats.skipped_cancelled += 1
            elif job.deadline is not None and job.deadline <= now:
                self.stats.skipped_expired += 1
                job.future.set_exception(DeadlineExpiredError("the deadline passed while queued"))
            else:
                batch.append(job)
                size += len(job.sentences)
        return batch

    async def _execute(self, batch: list[_Job[Result]], loop: asyncio.AbstractEventLoop) -> None:
        sentences = [s for job in batch for s in job.sentences]
        self.stats.batches += 1
        self.stats.sentences += len(sentences)
        self.stats.sizes = [*self.stats.sizes[-999:], len(sentences)]
        if self._on_batch is not None:
            self._on_batch(len(sentences))
        self._running = True
        try:
            results = await loop.run_in_executor(self._executor, self._encode, sentences)
        except Exception as error:  # the encoder failed: every caller of this batch hears it
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(error)
            return
        finally:
            self._running = False
        start = 0
        for job in batch:
            end = start + len(job.sentences)
            if not job.future.done():
                job.future.set_result(results[start:end])
            start = end
