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

from ..._core.config import VectorStorage
from ..._core.documents import Numbers, Vector
from ..._core.errors import SenseIndexError
from ..._core.manifest import CONTEXT_NUMBERS_FILE, CONTEXT_VECTORS_FILE, GLOSS_VECTORS_FILE
from .mapped_arrays import as_float32, mapped

_STORED_TYPES = (np.float16, np.float32)


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
        contexts = np.ascontiguousarray(stored[:, :half])
        whole = contexts.view(np.dtype((np.void, half * contexts.itemsize))).ravel()  # by bits
        _, firsts, numbers = np.unique(whole, return_index=True, return_inverse=True)
        order = np.argsort(firsts)
        renumber = np.empty_like(order)
        renumber[order] = np.arange(len(order))
        return cls(
            contexts[firsts[order]],
            renumber[numbers.ravel()].astype(np.int32),
            np.ascontiguousarray(stored[:, half:]),
        )

    def __len__(self) -> int:
        return len(self._glosses)

    @property
    def dimension(self) -> int:
        return int(self._contexts.shape[1] + self._glosses.shape[1])

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._glosses.dtype

    def half(self, which: int) -> Vector:
        """Every row's context (0) or gloss (1) half, as float32."""
        if which == 0:
            return as_float32(self._contexts)[self._context_numbers]
        return as_float32(self._glosses)

    def halves(self, numbers: Numbers) -> tuple[Vector, Vector]:
        """The context and gloss halves of the rows ``numbers``, as float32."""
        return as_float32(self._contexts[self._context_numbers[numbers]]), as_float32(self._glosses[numbers])

    def rows(self, numbers: Numbers) -> Vector:
        """The whole [context ; gloss] rows ``numbers``, as float32."""
        return np.concatenate(self.halves(numbers), axis=1)

    def save(self, directory: Path) -> None:
        np.save(directory / CONTEXT_VECTORS_FILE, self._contexts)
        np.save(directory / CONTEXT_NUMBERS_FILE, self._context_numbers)
        np.save(directory / GLOSS_VECTORS_FILE, self._glosses)

    @classmethod
    def load(cls, directory: Path) -> SenseVectors:
        """Memory-mapped read-only: worker processes share one copy in the page cache."""
        contexts, glosses = (mapped(directory / name) for name in (CONTEXT_VECTORS_FILE, GLOSS_VECTORS_FILE))
        numbers = mapped(directory / CONTEXT_NUMBERS_FILE)
        for name, array in ((CONTEXT_VECTORS_FILE, contexts), (GLOSS_VECTORS_FILE, glosses)):
            if array.ndim != 2 or array.dtype not in _STORED_TYPES:
                raise SenseIndexError(
                    f"{directory / name}: a {array.dtype} array of shape {array.shape}, not rows"
                )
        if numbers.shape != (len(glosses),) or numbers.dtype != np.int32:
            raise SenseIndexError(f"{directory / CONTEXT_NUMBERS_FILE}: not one int32 a row")
        if len(numbers) and not 0 <= int(numbers.min()) <= int(numbers.max()) < len(contexts):
            raise SenseIndexError(
                f"{directory / CONTEXT_NUMBERS_FILE}: numbers past the {len(contexts)} contexts"
            )
        return cls(contexts, numbers, glosses)


def _rounded(matrix: Vector, storage: VectorStorage) -> npt.NDArray[Any]:
    """The rows as fp32, or as FAISS's fp16 codes: its rounding (a few values in ten thousand one
    unit off numpy's) is what indexes have always stored, so scores do not move by a bit."""
    rows = np.ascontiguousarray(matrix, dtype=np.float32)
    if storage == "fp32":
        return rows
    if not len(rows):
        return rows.astype(np.float16)
    quantizer = faiss.ScalarQuantizer(rows.shape[1], faiss.ScalarQuantizer.QT_fp16)
    codes: npt.NDArray[np.uint8] = quantizer.compute_codes(rows)
    return codes.view(np.float16).reshape(rows.shape)
