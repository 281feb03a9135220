"""The sense table as columns: each row's sense key, synset, count and source, and the rows of
each (lemma, POS), held in packed byte strings and arrays rather than one Python object a row.

Two hundred thousand row objects with their strings and lookup dicts cost a serving process
about a hundred megabytes of private memory; columns cost a tenth of that, and a row is made
only when an answer or a caller asks for it.
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from ..._core.arrays import Numbers, SmallNumbers
from ..._core.errors import SenseIndexError
from ..._core.sense import POS_TAGS, SenseRow
from ..._util.hashed_strings import HashedStrings
from ..._util.packed_strings import PackedStrings

_COLUMNS = ("key", "lemma", "pos", "synset_id", "count", "source")
_TAGS = tuple(POS_TAGS)


class SenseTable:
    """Rows grouped by (lemma, POS): a pair's senses are one contiguous range of row numbers."""

    def __init__(self, rows: Iterable[SenseRow]) -> None:
        self._keys = PackedStrings()
        self._synsets = PackedStrings()
        self._lemmas = PackedStrings()  # one per group
        self._counts = array("q")
        self._sources: list[str] = []  # the few distinct source names
        self._source_codes = array("B")
        self._group_tags = array("B")
        self._group_starts = array("q")
        self._group_of_row = array("i")
        self._last_pair = ("", "")  # the (lemma, POS) of the last group appended
        # This process's str hashes of each key and each group's lemma (row_number, candidate_range).
        key_hashes, lemma_hashes = array("q"), array("q")
        for row in rows:
            if self._append(row):
                lemma_hashes.append(hash(row.lemma))
            key_hashes.append(hash(row.key))
        self._group_starts.append(len(self._counts))
        self._by_key = HashedStrings(np.frombuffer(key_hashes, dtype=np.int64), self._keys)
        self._groups = self._groups_by_tag(lemma_hashes)

    @classmethod
    def read(cls, path: Path) -> SenseTable:
        """From the index's tab-separated sense file (one row at a time: nothing kept per row)."""
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t")
            if tuple(next(reader, ())) != _COLUMNS:
                raise SenseIndexError(f"{path}: not a sense table")
            try:
                return cls(SenseRow(k, lemma, pos, sid, int(n), src) for k, lemma, pos, sid, n, src in reader)
            except ValueError as error:
                raise SenseIndexError(f"{path}:{reader.line_num}: malformed row ({error})") from None

    def write(self, path: Path) -> None:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
            writer.writerow(_COLUMNS)
            for row in self:
                writer.writerow((row.key, row.lemma, row.pos, row.synset_id, row.count, row.source))

    def _append(self, row: SenseRow) -> bool:
        """Appends a row; True when it starts a (lemma, POS) group."""
        number = len(self._counts)
        if row.pos not in POS_TAGS:
            raise ValueError(f"POS {row.pos!r} is not one of {', '.join(_TAGS)}")
        tag = _TAGS.index(row.pos)
        starts = not number or self._last_pair != (row.lemma, row.pos)
        if starts:
            self._last_pair = (row.lemma, row.pos)
            self._group_starts.append(number)
            self._group_tags.append(tag)
            self._lemmas.append(row.lemma)
        self._group_of_row.append(len(self._group_starts) - 1)
        self._keys.append(row.key)
        self._synsets.append(row.synset_id)
        self._counts.append(row.count)
        if row.source not in self._sources:
            self._sources.append(row.source)
        self._source_codes.append(self._sources.index(row.source))
        return starts

    def _groups_by_tag(self, lemma_hashes: array[int]) -> dict[str, HashedStrings]:
        """Each POS's groups by lemma; a (lemma, POS) pair in two groups is refused (its rows
        would not be one range)."""
        tags = np.frombuffer(self._group_tags, dtype=np.uint8)
        hashes = np.frombuffer(lemma_hashes, dtype=np.int64)
        groups: dict[str, HashedStrings] = {}
        for code, tag in enumerate(_TAGS):
            numbers = np.flatnonzero(tags == code)
            lookup = HashedStrings(hashes[numbers], self._lemmas, numbers)
            seen: set[str] = set()  # the lemmas whose hash another group's shares
            for lemma in (self._lemmas[group] for group in numbers[_repeated(hashes[numbers])].tolist()):
                if lemma in seen:
                    raise SenseIndexError(f"sense table rows of {lemma}/{tag} are not contiguous")
                seen.add(lemma)
            groups[tag] = lookup
        return groups

    def __len__(self) -> int:
        return len(self._counts)

    def __getitem__(self, number: int) -> SenseRow:
        if not -len(self) <= number < len(self):
            raise IndexError(f"row {number} of {len(self)}")
        number %= len(self)
        lemma, pos = self.lemma_pos(number)
        return SenseRow(
            self.key(number), lemma, pos, self.synset_id(number), self._counts[number], self.source(number)
        )

    def __iter__(self) -> Iterator[SenseRow]:
        return (self[number] for number in range(len(self)))

    def key(self, number: int) -> str:
        return self._keys[number]

    def synset_id(self, number: int) -> str:
        return self._synsets[number]

    def source(self, number: int) -> str:
        return self._sources[self._source_codes[number]]

    def lemma_pos(self, number: int) -> tuple[str, str]:
        group = self._group_of_row[number]
        return self._lemmas[group], _TAGS[self._group_tags[group]]

    def candidate_range(self, lemma: str, pos: str) -> tuple[int, int] | None:
        """The rows of a (lemma, POS) pair, or None when the index has none."""
        groups = self._groups.get(pos)
        group = None if groups is None else groups.find(lemma)
        return None if group is None else (self._group_starts[group], self._group_starts[group + 1])

    def row_number(self, key: str) -> int | None:
        """The row of a sense key."""
        return self._by_key.find(key)

    def counts(self) -> Numbers:
        return np.frombuffer(self._counts, dtype=np.int64).copy()

    def group_starts(self) -> Numbers:
        """Each (lemma, POS) range's first row, in row order."""
        return np.frombuffer(self._group_starts, dtype=np.int64)[:-1].copy()

    def label_bytes(self) -> SmallNumbers:
        """UTF-8 bytes of each row's sense key and synset id (answer-size bounds add them up)."""
        return (self._keys.byte_lengths() + self._synsets.byte_lengths()).astype(np.int32)


def _repeated(values: Numbers) -> Numbers:
    """Where ``values`` holds a value more than once."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    return np.flatnonzero(counts[inverse] > 1)
