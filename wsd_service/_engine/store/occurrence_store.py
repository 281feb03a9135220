"""Corpus occurrence vectors kept beside the sense vectors: a candidate sense is scored by its
nearest occurrence as well as by its centroid (a frequent sense is rarely one cluster).

Occurrences are grouped by sense key, so a sense's are one contiguous range, and a lemma's
senses' ranges are adjacent (their keys share the prefix "lemma%"): a target's candidates are
scored with one matrix-vector product over the store's memory-mapped rows, read in place. The
store is an fp32 .npy file, not a FAISS index: nothing searches it, and .npy aligns its data,
which numpy's BLAS product needs (FAISS's 45-byte header leaves rows unaligned, and numpy then
multiplies element by element, five times slower). Decoding fp16 cost 11 ms for a sense of
8,000 occurrences ("be").
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..._core.arrays import Numbers, SmallNumbers, Vector
from ..._core.errors import SenseIndexError
from ..._core.manifest import OCCURRENCE_RANGES_FILE, OCCURRENCES_FILE
from ..._util.hashed_strings import HashedStrings
from ..._util.packed_strings import PackedStrings
from .centroids import Centroids
from .mapped_arrays import mapped_rows

# A corpus occurrence's key in the build's sums: its sense key and instance id.
_SEPARATOR = " "


def occurrence_key(sense_key: str, instance_id: str) -> str:
    return f"{sense_key}{_SEPARATOR}{instance_id}"


def sense_of(key: str) -> str:
    return key.partition(_SEPARATOR)[0]


def by_sense(occurrences: Centroids) -> Centroids:
    """Per-sense sums of per-occurrence sums: the corpus centroids."""
    senses = Centroids(occurrences.dimension)
    for key, total, count in occurrences.partials():
        senses.add_sum(sense_of(key), total, count)
    return senses


class OccurrenceIndex:
    """Occurrence vectors by sense key."""

    def __init__(self, ranges: Iterable[tuple[str, int, int]], matrix: Vector) -> None:
        """``ranges``: each sense key with its rows of ``matrix``, held as columns (a dict of
        them costs a serving process 6.6 MB for SemCor's 33,000 senses)."""
        self._keys = PackedStrings()
        self._bounds = array("q")  # each key's start and end
        hashes = array("q")
        for key, start, end in ranges:
            self._keys.append(key)
            self._bounds.extend((start, end))
            hashes.append(hash(key))
        self._by_key = HashedStrings(np.frombuffer(hashes, dtype=np.int64), self._keys)
        self._matrix = matrix

    @classmethod
    def from_occurrences(cls, occurrences: Centroids) -> OccurrenceIndex:
        """From per-occurrence sums (keys ``occurrence_key``), each its occurrence's vector."""
        keys = sorted(occurrences, key=lambda key: (sense_of(key), key))
        ranges: dict[str, tuple[int, int]] = {}
        for number, key in enumerate(keys):
            start, _ = ranges.get(sense_of(key), (number, number))
            ranges[sense_of(key)] = (start, number + 1)
        vectors = np.zeros((len(keys), occurrences.dimension), dtype=np.float32)
        for number, key in enumerate(keys):
            vectors[number] = occurrences.centroid(key)
        return cls(((sense, start, end) for sense, (start, end) in ranges.items()), vectors)

    def __len__(self) -> int:
        return len(self._matrix)

    def span(self, key: str) -> tuple[int, int]:
        """The sense's range of occurrences; (0, 0): none."""
        number = self._by_key.find(key)
        return (0, 0) if number is None else self._range(number)

    def _range(self, number: int) -> tuple[int, int]:
        return self._bounds[2 * number], self._bounds[2 * number + 1]

    def nearest(
        self, spans: SmallNumbers, owners: Numbers, queries: Vector, k: int
    ) -> npt.NDArray[np.float64]:
        """For each non-empty span, the mean similarity of its owner's query (``queries[owners]``)
        to its ``k`` nearest occurrences; NaN for an empty span.

        A query's adjacent spans are scored by one matrix-vector product over their joint range,
        written into one buffer for the whole batch, so the segment reductions are one call."""
        found = np.full(len(spans), np.nan)
        has = np.flatnonzero(spans[:, 1] > spans[:, 0])
        if not len(has):
            return found
        has = has[np.lexsort((spans[has, 0], owners[has]))]  # by owner, then by start
        starts, ends, by = spans[has, 0], spans[has, 1], owners[has]
        lengths = ends - starts
        breaks = np.flatnonzero((by[1:] != by[:-1]) | (starts[1:] != ends[:-1])) + 1
        firsts = np.concatenate([[0], breaks])
        lasts = np.concatenate([breaks, [len(has)]]) - 1
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        similarities = np.empty(int(offsets[-1]), dtype=np.float32)
        for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
            block = slice(int(offsets[first]), int(offsets[last + 1]))
            np.dot(self._matrix[starts[first] : ends[last]], queries[by[first]], out=similarities[block])
        found[has] = _top_means(similarities, offsets[:-1], offsets[1:], k)
        return found

    def save(self, directory: Path) -> None:
        np.save(directory / OCCURRENCES_FILE, self._matrix)
        with (directory / OCCURRENCE_RANGES_FILE).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
            writer.writerows((self._keys[n], *self._range(n)) for n in range(len(self._keys)))

    @classmethod
    def load(cls, directory: Path) -> OccurrenceIndex:
        """Memory-mapped read-only, like the sense vectors (checksums verified by the caller)."""
        matrix = mapped_rows(directory / OCCURRENCES_FILE, (np.dtype(np.float32),))
        index = cls(_read_ranges(directory / OCCURRENCE_RANGES_FILE), matrix)
        if max(index._bounds[1::2], default=0) > len(matrix):
            raise SenseIndexError(f"{directory}: occurrence ranges exceed the {len(matrix)} occurrences")
        return index


def _top_means(similarities: Vector, starts: Numbers, ends: Numbers, k: int) -> npt.NDArray[np.float64]:
    """Each segment's mean of its ``k`` largest values (the maximum for k = 1)."""
    if k == 1:
        return np.maximum.reduceat(similarities, starts).astype(np.float64)
    means = np.empty(len(starts), dtype=np.float64)
    for number, (start, end) in enumerate(zip(starts, ends, strict=True)):
        segment = similarities[start:end]
        if len(segment) > k:
            segment = np.partition(segment, -k)[-k:]
        means[number] = segment.mean()
    return means


def _read_ranges(path: Path) -> Iterator[tuple[str, int, int]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        try:
            for key, start, end in reader:
                yield key, int(start), int(end)
        except ValueError as error:
            raise SenseIndexError(f"{path}:{reader.line_num}: malformed row ({error})") from None
