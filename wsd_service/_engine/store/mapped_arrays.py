"""Stored arrays read in place: .npy files memory-mapped, their pages mapped when they are
opened; and the rows read from them as float32."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..._core.arrays import Vector
from ..._core.errors import SenseIndexError
from ..._util.pages import populate

# A finite IEEE half's bits, sign-extended and shifted into a float32's, read as a float32 that
# is the half's value times 2**-112 (subnormals included; the exponent biases are 15 and 127).
_SIGN_AND_MAGNITUDE = np.int32(~0x70000000)  # the sign and the 15 shifted bits below it
_REBIAS = np.float32(2.0**112)
_STORED_ROWS = (np.dtype(np.float16), np.dtype(np.float32))  # the precisions rows are stored in


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


def mapped(path: Path) -> npt.NDArray[Any]:
    """A .npy file memory-mapped read-only, as a plain array (numpy's memmap class adds Python
    work to every indexing; worker processes share the pages either way), its pages mapped now."""
    array: npt.NDArray[Any] = np.load(path, mmap_mode="r").view(np.ndarray)
    populate(array)
    return array


def mapped_rows(path: Path, kinds: tuple[np.dtype[Any], ...] = _STORED_ROWS) -> npt.NDArray[Any]:
    """A .npy file of rows, mapped as ``mapped`` does; refused, naming what it holds, unless it
    is two-dimensional and of one of ``kinds``."""
    rows = mapped(path)
    if rows.ndim != 2 or rows.dtype not in kinds:
        wanted = " or ".join(kind.name for kind in kinds)
        raise SenseIndexError(f"{path}: a {rows.dtype} array of shape {rows.shape}, not {wanted} rows")
    return rows
