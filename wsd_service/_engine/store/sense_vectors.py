"""Every row's [context ; gloss] as stored: each distinct context half once, each row's number
for its context, and each row's own gloss half.

A corpus index borrows the context of most senses from their synset, hypernyms or lexicographer
file, so many rows share one: about half of a SemCor index's context halves repeat another row's.
Stored once, they take 80 MB less on disk and in memory, and a row read back is bit for bit the
row that was stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from ..._core.arrays import Numbers, Vector
from ..._core.config import VectorStorage
from ..._core.errors import SenseIndexError
from ..._core.manifest import CONTEXT_NUMBERS_FILE, CONTEXT_VECTORS_FILE, GLOSS_VECTORS_FILE
from ..._util.distinct_rows import distinct_rows
from .mapped_arrays import as_float32, mapped, mapped_rows


class SenseVectors:
    def __init__(
        self, contexts: npt.NDArray[Any], context_numbers: npt.NDArray[np.int32], glosses: npt.NDArray[Any]
    ) -> None:
        self._contexts = contexts
        self._context_numbers = context_numbers
        self._glosses = glosses

    @classmethod
    def store(cls, matrix: Vector, storage: VectorStorage) -> SenseVectors:
        """``matrix``'s [context ; gloss] rows at the storage precision, each distinct context
        half kept once, in the order of the first row that has it (a lemma's rows stay close)."""
        stored = _rounded(matrix, storage)
        half = stored.shape[1] // 2
        contexts, numbers = distinct_rows(stored[:, :half])
        return cls(
            contexts,
            numbers,
            np.array(stored[:, half:]),  # a copy: never a view of the caller's matrix
        )

    def __len__(self) -> int:
        return len(self._glosses)

    @property
    def dimension(self) -> int:
        return int(self._contexts.shape[1] + self._glosses.shape[1])

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._glosses.dtype

    def context_half(self) -> Vector:
        """Every row's context half, as float32."""
        return as_float32(self._contexts)[self._context_numbers]

    def gloss_half(self) -> Vector:
        """Every row's gloss half, as float32."""
        return as_float32(self._glosses)

    def halves(self, numbers: Numbers | slice) -> tuple[Vector, Vector]:
        """The context and gloss halves of the rows ``numbers`` (row numbers or a slice), as float32."""
        return as_float32(self._contexts[self._context_numbers[numbers]]), as_float32(self._glosses[numbers])

    def rows(self, numbers: Numbers | slice) -> Vector:
        """The whole [context ; gloss] rows ``numbers`` (row numbers or a slice), as float32."""
        return np.concatenate(self.halves(numbers), axis=1)

    def save(self, directory: Path) -> None:
        np.save(directory / CONTEXT_VECTORS_FILE, self._contexts)
        np.save(directory / CONTEXT_NUMBERS_FILE, self._context_numbers)
        np.save(directory / GLOSS_VECTORS_FILE, self._glosses)

    @classmethod
    def load(cls, directory: Path) -> SenseVectors:
        """Memory-mapped read-only: worker processes share one copy in the page cache."""
        contexts, glosses = (
            mapped_rows(directory / name) for name in (CONTEXT_VECTORS_FILE, GLOSS_VECTORS_FILE)
        )
        numbers = mapped(directory / CONTEXT_NUMBERS_FILE)
        _check_halves(directory, contexts, glosses)
        _check_numbers(directory / CONTEXT_NUMBERS_FILE, numbers, len(glosses), len(contexts))
        return cls(contexts, numbers, glosses)


def _check_halves(directory: Path, contexts: npt.NDArray[Any], glosses: npt.NDArray[Any]) -> None:
    if contexts.shape[1] != glosses.shape[1] or contexts.dtype != glosses.dtype:
        raise SenseIndexError(
            f"{directory}: {CONTEXT_VECTORS_FILE} ({contexts.dtype}, {contexts.shape[1]} wide) and"
            f" {GLOSS_VECTORS_FILE} ({glosses.dtype}, {glosses.shape[1]} wide) are not two halves of one row"
        )


def _check_numbers(path: Path, numbers: npt.NDArray[Any], rows: int, contexts: int) -> None:
    if numbers.shape != (rows,) or numbers.dtype != np.int32:
        raise SenseIndexError(
            f"{path}: a {numbers.dtype} array of shape {numbers.shape},"
            f" not one int32 for each of the {rows} rows"
        )
    if rows and not 0 <= int(numbers.min()) <= int(numbers.max()) < contexts:
        raise SenseIndexError(f"{path}: numbers outside the {contexts} context halves")


def _rounded(matrix: Vector, storage: VectorStorage) -> npt.NDArray[Any]:
    """The rows as fp32, or as FAISS's fp16 codes. FAISS rounds a few values in ten thousand one
    unit away from numpy; its codes keep an index's rows, and so its scores, the same whichever
    version of the service built it."""
    rows = np.ascontiguousarray(matrix, dtype=np.float32)
    if storage == "fp32":
        return rows
    if not len(rows):
        return rows.astype(np.float16)
    quantizer = faiss.ScalarQuantizer(rows.shape[1], faiss.ScalarQuantizer.QT_fp16)
    codes: npt.NDArray[np.uint8] = quantizer.compute_codes(rows)
    return codes.view(np.float16).reshape(rows.shape)
