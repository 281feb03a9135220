"""Calls in progress in each worker, in shared memory, so that a busy worker can see an idle one.

The kernel spreads connections over the workers, not calls: all of one connection's calls reach
one worker. Each worker counts the calls it is serving (one count per worker, written by that
worker alone); ``Handoff`` reads the others' counts to hand calls to a less busy peer. A worker
that dies leaves its count behind; the supervisor clears it before the restart.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, MutableSequence


class CallBoard:
    def __init__(self, counts: MutableSequence[int], worker: int) -> None:
        self._counts = counts  # multiprocessing's shared array of ints, one per worker
        self.worker = worker

    @contextlib.contextmanager
    def serving(self) -> Iterator[None]:
        """Counts one call of this worker's while the block runs."""
        self._counts[self.worker] += 1
        try:
            yield
        finally:
            self._counts[self.worker] -= 1

    def load(self, worker: int) -> int:
        """The calls ``worker`` is serving now."""
        return self._counts[worker]
