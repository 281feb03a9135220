"""Encoded material kept on disk between runs (cross-validation trials), without pickle.

Files are written to a temporary name and renamed, so an interrupted run leaves no half file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..store.centroids import Centroids
from .corpus_vectors import Occurrences

T = TypeVar("T")


def cached(
    path: Path, make: Callable[[], T], save: Callable[[Path, T], None], load: Callable[[Path], T]
) -> T:
    """``load(path)`` if it exists, else ``make()`` saved there."""
    if path.is_file():
        return load(path)
    value = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.npz")
    save(partial, value)
    partial.replace(path)
    return value


def save_occurrences(path: Path, occurrences: Occurrences) -> None:
    _savez(
        path,
        ids=np.asarray(occurrences.instance_ids),
        sentences=occurrences.sentences,
        vectors=occurrences.vectors,
    )


def load_occurrences(path: Path) -> Occurrences:
    with np.load(path, allow_pickle=False) as data:
        return Occurrences(tuple(str(i) for i in data["ids"]), data["sentences"], data["vectors"])


def save_centroids(path: Path, centroids: Centroids) -> None:
    partials = list(centroids.partials())
    empty = np.zeros(centroids.dimension, dtype=np.float32)  # np.vstack needs one row
    _savez(
        path,
        keys=np.asarray([key for key, _, _ in partials] or [""]),
        sums=np.vstack([total for _, total, _ in partials] or [empty]),
        counts=np.asarray([count for _, _, count in partials] or [0]),
    )


def load_centroids(path: Path) -> Centroids:
    with np.load(path, allow_pickle=False) as data:
        keys, sums, counts = data["keys"], data["sums"].astype(np.float32), data["counts"]
    centroids = Centroids(int(sums.shape[1]))
    for key, total, count in zip(keys, sums, counts, strict=True):
        if count:
            centroids.add_sum(str(key), total, int(count))
    return centroids


def _savez(path: Path, **arrays: Any) -> None:
    with path.open("wb") as handle:
        np.savez(handle, **arrays)
