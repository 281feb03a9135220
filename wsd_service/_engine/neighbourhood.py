"""A sense's WordNet neighbourhood in the index: the mean row of the senses of the synsets
its synset is related to (hypernyms, hyponyms, similar, ...), for the try-again step."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .._core.sense import POS_TAGS, SenseRow
from .index import SenseIndex, Vector
from .inventory import Inventory
from .relations import RELATION_GROUPS
from .vectors import normalise

_SYMBOLS = frozenset(
    symbol for group, symbols in RELATION_GROUPS.items() if group != "antonym" for symbol in symbols
)

_TAG_OF = {letter: tag for tag, letter in POS_TAGS.items()}


class Neighbourhoods:
    def __init__(self, index: SenseIndex, inventory: Inventory) -> None:
        self._index = index
        self._inventory = inventory
        # Bounded like the inventory's caches: a server meets ever more synsets.
        self.of = lru_cache(maxsize=16384)(self._of)

    def _of(self, row: SenseRow) -> Vector | None:
        """The mean row of the related synsets' senses (each half normalised); None if none."""
        numbers = [
            number
            for symbol, offset, pos in self._inventory.pointers(row.synset_id)
            if symbol in _SYMBOLS
            for number in self._synset_rows(f"{offset:08d}-{'a' if pos == 's' else pos}")
        ]
        if not numbers:
            return None
        mean = np.mean([self._index.vectors(n, n + 1)[0] for n in numbers], axis=0)
        half = mean.shape[0] // 2
        return np.concatenate([normalise(mean[:half]), normalise(mean[half:])])

    def _synset_rows(self, synset_id: str) -> list[int]:
        synset = self._inventory.synset(synset_id)
        tag = _TAG_OF[synset.pos]
        return [
            number
            for word, _ in synset.words
            for sense in self._inventory.senses(word.lower(), tag)
            if sense.synset_id == synset_id
            if (number := self._index.row_number(sense.key)) is not None
        ]
