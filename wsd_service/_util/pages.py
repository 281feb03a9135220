"""Memory-mapped files in a process's page tables: brought in when they are opened, not on the
first calls that read them, or let go when nothing reads them."""

from __future__ import annotations

import ctypes
import mmap
import os
from pathlib import Path
from typing import Any

import numpy.typing as npt

_MADV_DONTNEED = 4  # unmap a range's pages; a read-only file's come back from the file when read
_MADV_POPULATE_READ = 22  # Linux 5.14+: map a range's pages now, as reading each would
_LIBC = ctypes.CDLL(None, use_errno=True)


def populate(array: npt.NDArray[Any]) -> None:
    """Map the pages under a memory-mapped ``array`` into this process now (reading from disk
    what the page cache lacks). Each page a call touches first would otherwise cost it a page
    fault: over new text, ranking ran at half its speed until a worker had touched the index
    (BENCHMARKS.md "Loaded ahead"). Where the kernel lacks the call, pages map on first touch
    as before."""
    if not array.nbytes:
        return
    address = array.ctypes.data
    start = address - address % mmap.PAGESIZE
    length = address + array.nbytes - start
    _LIBC.madvise(ctypes.c_void_p(start), ctypes.c_size_t(length), _MADV_POPULATE_READ)


def release(path: Path) -> None:
    """Drop from this process the pages of every read-only mapping of ``path`` (mapped by a
    library: FAISS reads through the whole of a graph's links when it loads one). The mappings
    stay, and a page read again comes back from the page cache; until then it does not count
    against the process, nor against the other workers sharing it. Best effort: without
    ``/proc`` nothing is dropped."""
    wanted = os.fsencode(path.resolve())
    try:
        lines = Path("/proc/self/maps").read_bytes().splitlines()
    except OSError:
        return
    for line in lines:
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5] == wanted and b"w" not in fields[1]:
            start, end = (int(bound, 16) for bound in fields[0].split(b"-"))
            _LIBC.madvise(ctypes.c_void_p(start), ctypes.c_size_t(end - start), _MADV_DONTNEED)
