"""Strings packed end to end in one UTF-8 buffer: a few bytes of overhead a string where a
Python ``str`` costs about fifty."""

from __future__ import annotations

from array import array

import numpy as np
import numpy.typing as npt


class PackedStrings:
    """A column of strings, appended and read back by number."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._ends = array("I")  # four bytes an end: a column of strings holds under 4 GiB

    def append(self, text: str) -> None:
        self._buffer += text.encode()
        self._ends.append(len(self._buffer))

    def __getitem__(self, number: int) -> str:
        start = self._ends[number - 1] if number else 0
        return self._buffer[start : self._ends[number]].decode()

    def __len__(self) -> int:
        return len(self._ends)

    def byte_lengths(self) -> npt.NDArray[np.int64]:
        ends = np.frombuffer(self._ends, dtype=np.uint32).astype(np.int64)
        return np.diff(ends, prepend=0)
