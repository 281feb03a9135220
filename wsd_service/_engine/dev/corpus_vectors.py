"""The contextual vector of every annotated occurrence in a corpus, encoded once.

Cross-validation builds sense vectors from some documents' occurrences and queries with the
others'; both are the same vectors, so the corpus is encoded once (and cached) and a trial
costs seconds instead of a build.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._core.arrays import Vector
from ..build.progress import progress
from ..build.raganato import Corpus
from ..build.sources import Encode
from ..store.centroids import Centroids
from ..store.occurrence_store import occurrence_key


@dataclass(frozen=True, slots=True)
class Occurrences:
    """One row per annotated occurrence: its instance id, sentence number and vector."""

    instance_ids: tuple[str, ...]
    sentences: np.ndarray[Any, np.dtype[np.int32]]  # index into the corpus's sentences
    vectors: Vector

    def row_of(self) -> dict[str, int]:
        return {instance: row for row, instance in enumerate(self.instance_ids)}


def encode_occurrences(corpus: Corpus, encode: Encode, chunk_size: int, show: bool) -> Occurrences:
    """Encodes every sentence holding an instance, shortest first (little padding), as one
    document of its tokens: the words ``evaluate`` and ``corpus_jobs`` encode too."""
    wanted = [n for n, s in enumerate(corpus.sentences) if any(t.instance_id for t in s.tokens)]
    wanted.sort(key=lambda n: sum(len(t.text) for t in corpus.sentences[n].tokens))
    ids: list[str] = []
    numbers: list[int] = []
    rows: list[Vector] = []
    with progress(total=len(wanted), label=f"encoding {corpus.name}", enabled=show) as bar:
        for begin in range(0, len(wanted), chunk_size):
            chunk = wanted[begin : begin + chunk_size]
            words = [[t.text for t in corpus.sentences[n].tokens] for n in chunk]
            for number, matrix in zip(chunk, encode(words), strict=True):
                for position, token in enumerate(corpus.sentences[number].tokens):
                    if token.instance_id:
                        ids.append(token.instance_id)
                        numbers.append(number)
                        rows.append(matrix[position])
            bar.update(len(chunk))
    return Occurrences(tuple(ids), np.asarray(numbers, dtype=np.int32), np.vstack(rows).astype(np.float32))


def occurrence_sums(
    occurrences: Occurrences, keys: Mapping[str, tuple[str, ...]], rows: np.ndarray[Any, Any]
) -> Centroids:
    """The given occurrence rows as the build's corpus sums: one per (sense key, instance), an
    instance with two gold keys counting for both, as ``corpus_jobs`` keeps them."""
    dimension = int(occurrences.vectors.shape[1])
    sums = Centroids(dimension)
    for row in rows:
        instance = occurrences.instance_ids[row]
        for key in keys.get(instance, ()):
            sums.add(occurrence_key(key, instance), occurrences.vectors[row])
    return sums
