"""Split a sentence that is longer than the encoder's limit into overlapping windows.

Every word is kept by exactly one window: the one that gives it the most context on both
sides, so no target is dropped and none is encoded at a window's edge when it can be avoided.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Window:
    """Words ``[start, end)`` are encoded together; words ``[keep_start, keep_end)`` are kept."""

    start: int
    end: int
    keep_start: int
    keep_end: int


def plan_windows(piece_counts: list[int], limit: int) -> list[Window]:
    """Windows over words whose pieces fit in ``limit``; each word is at most ``limit`` pieces."""
    n = len(piece_counts)
    if sum(piece_counts) <= limit:
        return [Window(0, n, 0, n)]
    context = limit // 4  # pieces of context kept on each side of the kept words
    windows: list[Window] = []
    keep_start = 0
    while keep_start < n:
        start = _back_off(piece_counts, keep_start, context)
        end = _extend(piece_counts, start, limit)
        if end == n:
            keep_end = n
        else:
            keep_end = max(keep_start + 1, _back_off(piece_counts, end, context))
            keep_end = min(keep_end, end)
        windows.append(Window(start, end, keep_start, keep_end))
        keep_start = keep_end
    return windows


def _back_off(piece_counts: list[int], index: int, budget: int) -> int:
    """The smallest start <= index whose words before ``index`` fit in ``budget`` pieces."""
    start, used = index, 0
    while start > 0 and used + piece_counts[start - 1] <= budget:
        start -= 1
        used += piece_counts[start]
    return start


def _extend(piece_counts: list[int], start: int, limit: int) -> int:
    """The largest end > start whose words ``[start, end)`` fit in ``limit`` pieces."""
    end, used = start, 0
    while end < len(piece_counts) and used + piece_counts[end] <= limit:
        used += piece_counts[end]
        end += 1
    return max(end, start + 1)
