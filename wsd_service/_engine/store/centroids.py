"""Accumulators for sense vectors: centroids of occurrences and their propagation.

Propagation follows LMMS (Loureiro & Jorge, 2019): a sense with no occurrence borrows the
centroid of its synset, else of its hypernyms, else of its lexicographer file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from ..._core.arrays import Vector


def normalise(vector: Vector) -> Vector:
    norm = float(np.linalg.norm(vector))
    return (vector / norm).astype(np.float32) if norm > 0 else vector.astype(np.float32)


class Centroids:
    """Running sums of unit vectors by key; ``centroid`` is their normalised mean."""

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._sums: dict[str, Vector] = {}
        self._counts: dict[str, int] = {}

    def add_sum(self, key: str, total: Vector, count: int) -> None:
        """Merge another accumulator's sum and count for ``key`` (partial sums from elsewhere)."""
        mine = self._sums.get(key)
        if mine is None:
            self._sums[key] = total.astype(np.float32).copy()
        else:
            mine += total
        self._counts[key] = self._counts.get(key, 0) + count

    def partials(self) -> Iterator[tuple[str, Vector, int]]:
        """(key, sum, count) of every key: what ``add_sum`` merges."""
        for key, total in self._sums.items():
            yield key, total, self._counts[key]

    def add(self, key: str, vector: Vector) -> None:
        total = self._sums.get(key)
        if total is None:
            self._sums[key] = vector.astype(np.float32).copy()
        else:
            total += vector
        self._counts[key] = self._counts.get(key, 0) + 1

    def __contains__(self, key: object) -> bool:
        return key in self._sums

    def __len__(self) -> int:
        return len(self._sums)

    def count(self, key: str) -> int:
        return self._counts.get(key, 0)

    def __iter__(self) -> Iterator[str]:
        return iter(self._sums)

    def centroid(self, key: str) -> Vector | None:
        total = self._sums.get(key)
        return None if total is None else normalise(total)


def group_centroids(centroids: Centroids, group_of: Mapping[str, str]) -> Centroids:
    """Centroids of groups (synsets, lexnames) from the centroids of their members."""
    groups = Centroids(centroids.dimension)
    for key in centroids:
        group = group_of.get(key)
        vector = centroids.centroid(key)
        if group is not None and vector is not None:
            groups.add(group, vector)
    return groups
