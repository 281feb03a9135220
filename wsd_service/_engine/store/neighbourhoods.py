"""Each sense's WordNet neighbourhood, for the try-again step, as stored with an index: one
folded vector (context half + gloss half of the mean related row) per distinct neighbourhood,
at the rows' precision, and each row's slot (synsets with equal neighbourhoods share one).
``build.neighbourhood_vectors`` computes them when an index is assembled, so ranking never
reads WordNet. Try-again only takes its inner product with [v ; v], hence the folding (fp16
rows: fp16 neighbourhoods, half the memory; try-again weighs them by 0.05, so a score moves by
about 1e-5).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..._core.arrays import Numbers, Vector
from ..._core.manifest import NEIGHBOURHOOD_SLOTS_FILE, NEIGHBOURHOODS_FILE
from .mapped_arrays import as_float32, mapped, mapped_rows


class Neighbourhoods:
    """Folded neighbourhood vectors and, per index row, which one is its synset's (-1: none)."""

    def __init__(self, vectors: npt.NDArray[Any], slots: npt.NDArray[np.int32]) -> None:
        self.vectors = vectors
        self.slots = slots

    def closeness(self, numbers: Numbers, vectors: Vector) -> npt.NDArray[np.float64]:
        """Each row's neighbourhood · [v ; v] for its word's vector v (0 where it has none)."""
        slots = self.slots[numbers]
        found = slots >= 0
        closeness = np.zeros(len(numbers), dtype=np.float64)
        closeness[found] = np.einsum("ij,ij->i", as_float32(self.vectors[slots[found]]), vectors[found])
        return closeness

    def save(self, directory: Path) -> None:
        np.save(directory / NEIGHBOURHOODS_FILE, self.vectors)
        np.save(directory / NEIGHBOURHOOD_SLOTS_FILE, self.slots)

    @classmethod
    def load(cls, directory: Path) -> Neighbourhoods:
        """Memory-mapped read-only: worker processes share one copy in the page cache."""
        return cls(mapped_rows(directory / NEIGHBOURHOODS_FILE), mapped(directory / NEIGHBOURHOOD_SLOTS_FILE))
