"""Work that becomes ready in one turn of the event loop, done in one call.

The calls of an encoder batch get their vectors at the same moment, and each would then rank
on its own; ranked in one pass they cost about two thirds as much (BENCHMARKS.md, ranking). The
first call to submit schedules the pass behind every call already woken in that turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Done = TypeVar("Done")


class SameTurn(Generic[Item, Done]):
    """``run`` over the items submitted in one turn of the loop, each caller given its own
    result; if the pass fails, each item is run alone so that only its own caller hears."""

    def __init__(self, run: Callable[[list[Item]], list[Done]]) -> None:
        self._run = run
        self._waiting: list[tuple[Item, asyncio.Future[Done]]] = []

    async def submit(self, item: Item) -> Done:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Done] = loop.create_future()
        self._waiting.append((item, future))
        if len(self._waiting) == 1:
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        waiting, self._waiting = self._waiting, []
        try:
            self._answer(waiting)
        finally:  # whatever escaped, no caller is left waiting for ever
            for _, future in waiting:
                if not future.done():
                    future.set_exception(RuntimeError("the work was not done"))

    def _answer(self, waiting: list[tuple[Item, asyncio.Future[Done]]]) -> None:
        try:
            results = self._run([item for item, _ in waiting])
        except Exception:  # one item's fault must not fail the others
            for item, future in waiting:
                self._run_alone(item, future)
            return
        for (_, future), result in zip(waiting, results, strict=True):
            if not future.done():  # its caller may have gone
                future.set_result(result)

    def _run_alone(self, item: Item, future: asyncio.Future[Done]) -> None:
        try:
            [result] = self._run([item])
        except Exception as error:
            if not future.done():  # a future cannot hold StopIteration
                future.set_exception(RuntimeError(str(error)) if isinstance(error, StopIteration) else error)
            return
        if not future.done():
            future.set_result(result)
