"""Stored arrays read in place, memory-mapped: FAISS stores without a per-call copy or decode,
and .npy files, their pages mapped when they are opened; and the rows read from them as float32."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from ..._core.documents import Vector
from ..._core.errors import SenseIndexError
from ..._util.pages import populate

# A finite IEEE half's bits, sign-extended and shifted into a float32's, read as a float32 that
# is the half's value times 2**-112 (subnormals included; the exponent biases are 15 and 127).
_SIGN_AND_MAGNITUDE = np.int32(~0x70000000)  # the sign and the 15 shifted bits below it
_REBIAS = np.float32(2.0**112)


def stored_vectors(store: Any) -> npt.NDArray[Any]:
    """A FAISS store's vectors as an array over the store's own memory, no copy: float32 rows
    of a flat index, float16 rows of an fp16 scalar quantizer (FAISS's fp16 is IEEE half)."""
    if isinstance(store, faiss.IndexFlat):
        dtype: type[np.floating[Any]] = np.float32
    elif isinstance(store, faiss.IndexScalarQuantizer) and store.sq.qtype == faiss.ScalarQuantizer.QT_fp16:
        dtype = np.float16
    else:
        raise SenseIndexError(f"vectors stored as {type(store).__name__}: this version reads fp32 or fp16")
    if store.ntotal == 0:
        return np.zeros((0, store.d), dtype=dtype)
    view = faiss.rev_swig_ptr(store.codes.data(), store.codes.size()).view(dtype).reshape(-1, store.d)
    view.flags.writeable = False  # the mapping is read-only
    return view


def as_float32(rows: npt.NDArray[Any]) -> Vector:
    """Stored rows as float32: for float16, bit for bit what ``astype`` gives for finite values
    (an index's rows are unit halves), in four array passes. numpy converts halves one element
    at a time, five times slower, and ranking converts every candidate row of every target."""
    if rows.dtype != np.float16:
        return np.asarray(rows, dtype=np.float32)
    bits = rows.view(np.int16).astype(np.int32)
    np.left_shift(bits, 13, out=bits)
    np.bitwise_and(bits, _SIGN_AND_MAGNITUDE, out=bits)
    values: Vector = bits.view(np.float32)
    np.multiply(values, _REBIAS, out=values)
    return values


def mapped_store(path: Path) -> Any:
    """A FAISS store memory-mapped read-only (processes serving it share one copy in the page
    cache), its vectors' pages mapped now."""
    store = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    if isinstance(store, faiss.IndexFlat | faiss.IndexScalarQuantizer):
        populate(faiss.rev_swig_ptr(store.codes.data(), store.codes.size()))
    return store


def mapped(path: Path) -> npt.NDArray[Any]:
    """A .npy file memory-mapped read-only, as a plain array (numpy's memmap class adds Python
    work to every indexing; worker processes share the pages either way), its pages mapped now."""
    array: npt.NDArray[Any] = np.load(path, mmap_mode="r").view(np.ndarray)
    populate(array)
    return array
