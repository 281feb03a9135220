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
    while not (value := _checked(condition, deadline, what, timeout)):
        time.sleep(interval)
    return value


async def eventually(
    condition: Callable[[], T], what: str, timeout: float = 10, interval: float = 0.002
) -> T:
    """``wait_until`` for a coroutine: the event loop keeps running while it polls."""
    deadline = time.monotonic() + timeout
    while not (value := _checked(condition, deadline, what, timeout)):
        await asyncio.sleep(interval)
    return value


def _checked(condition: Callable[[], T], deadline: float, what: str, timeout: float) -> T:
    """The condition's value; past the deadline, a failure that says what never came."""
    value = condition()
    if not value and time.monotonic() > deadline:
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what} (last seen: {value!r})")
    return value
