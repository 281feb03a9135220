"""Bounded concurrency over an async stream, answers kept in input order."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


async def map_ordered(
    items: AsyncIterator[Item], function: Callable[[Item], Awaitable[Answer]], limit: int
) -> AsyncIterator[Answer]:
    """``function`` over ``items`` with up to about ``limit`` calls in flight, so that the calls
    can share encoder batches, while answers still come back in order."""
    pending: asyncio.Queue[asyncio.Future[Answer] | None] = asyncio.Queue(maxsize=limit)

    async def feed() -> None:
        try:
            async for item in items:
                await pending.put(asyncio.ensure_future(function(item)))
        finally:
            await pending.put(None)

    feeder = asyncio.ensure_future(feed())
    try:
        while (future := await pending.get()) is not None:
            yield await future
        await feeder  # a broken request stream surfaces here
    finally:
        feeder.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await feeder
        while not pending.empty():
            left = pending.get_nowait()
            if left is not None:
                left.cancel()
