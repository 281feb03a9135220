"""Waiting for something observable (health, a log line, a file, a count) with a deadline,
instead of sleeping a fixed time: as fast as the machine allows, and a clear failure when the
event never comes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], what: str, timeout: float = 60, interval: float = 0.02) -> T:
    """Poll ``condition`` until it returns a true value, and return that value.

    ``what`` names the event for the failure message; the last value seen is shown too.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what} (last seen: {value!r})")
        time.sleep(interval)


async def eventually(
    condition: Callable[[], T], what: str, timeout: float = 10, interval: float = 0.002
) -> T:
    """``wait_until`` for a coroutine: the event loop keeps running while it polls."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what} (last seen: {value!r})")
        await asyncio.sleep(interval)
