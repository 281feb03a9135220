"""Strings found by number through their hashes: eight bytes a string where a dict of
``str -> int`` costs about a hundred and ten (two hundred thousand lemmas: 1.6 MB against 18).

A lookup costs about a microsecond (a bisection over the sorted hashes) against a dict's tenth
of one, and allocates no object the cyclic garbage collector tracks.
The strings stay where the caller keeps them, packed or in a mapped file, and a found number's
string is compared with the one asked for: hashes may collide.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Hashable
from typing import Protocol

import numpy as np
import numpy.typing as npt

# The hashes' low 32 bits are kept: half the memory, and the strings settle a collision.
_LOW_BITS = 0xFFFFFFFF


def hash32(value: Hashable) -> int:
    """This process's hash of ``value``, its low 32 bits as the lookups here keep them."""
    return hash(value) & _LOW_BITS


class Strings(Protocol):
    """Where the strings are: each by its number."""

    def __getitem__(self, number: int) -> str: ...


class HashedStrings:
    """Numbers (row numbers, byte offsets) of strings, by this process's ``hash`` of them."""

    def __init__(
        self, hashes: npt.NDArray[np.int64], strings: Strings, numbers: npt.NDArray[np.int64] | None = None
    ) -> None:
        """``hashes[i]`` is the hash of ``strings[numbers[i]]`` (numbers: 0, 1, 2... by default,
        each below 2**32)."""
        if numbers is not None and len(numbers) and int(numbers.max()) > _LOW_BITS:
            raise ValueError(f"numbers up to {_LOW_BITS}, got {int(numbers.max())}")
        low = (hashes & _LOW_BITS).astype(np.uint32)
        order = np.argsort(low, kind="stable")
        # Python arrays: bisect reads them item by item, several times faster than numpy's.
        self._hashes = array("I", low[order].tobytes())
        self._numbers = array("I", (order if numbers is None else numbers[order]).astype(np.uint32).tobytes())
        self._strings = strings

    def __len__(self) -> int:
        return len(self._hashes)

    def find(self, text: str) -> int | None:
        """The number of ``text``; None when it has none."""
        wanted = hash(text) & _LOW_BITS
        hashes = self._hashes
        at = bisect_left(hashes, wanted)
        while at < len(hashes) and hashes[at] == wanted:
            number = self._numbers[at]
            if self._strings[number] == text:
                return number
            at += 1
        return None
