"""Memory-mapped files brought into a process's page tables when they are opened, not on the
first calls that read them."""

from __future__ import annotations

import ctypes
import mmap
from typing import Any

import numpy.typing as npt

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
