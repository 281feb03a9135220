"""Encoder batches running machine-wide, for workers that share the cores.

Each worker encodes up to one batch per core at once, so that one connection (which reaches one
worker) uses the whole machine. With every worker busy that would put several batches on each
core, each finishing later than admission promised. The board keeps each worker's running
batches in shared memory (one count per worker, written by that worker alone): a worker always
runs one batch, and another at the same time only while the machine has a core to spare. A
worker that dies leaves its count behind; the supervisor clears it before the restart.
"""

from __future__ import annotations

from collections.abc import MutableSequence


class SlotBoard:
    def __init__(self, counts: MutableSequence[int], worker: int, cores: int) -> None:
        self._counts = counts  # multiprocessing's shared array of ints, one per worker
        self._worker = worker
        self._cores = cores

    def running(self, batches: int) -> None:
        """This worker's batches on its encoder now."""
        self._counts[self._worker] = batches

    def room(self) -> bool:
        """Whether a core is free machine-wide for one more batch."""
        return sum(self._counts) < self._cores

    def share(self) -> int:
        """The cores this worker may encode on now: those the other workers' batches leave."""
        others = sum(self._counts) - self._counts[self._worker]
        return max(1, self._cores - others)
