"""Composing index rows from the sources' vectors (numpy only: no encoder in here).

Each row is [context vector ; gloss vector], both unit length. The query is
[v ; gloss_weight * v], so a score is cos(v, context) plus the weighted cos(v, gloss), as in
LMMS' concatenated sense embeddings. The context vector falls back from the corpus centroid to
the usage examples, to propagation (LMMS: synset, then hypernyms, then lexicographer file of
the corpus-attested senses), to the gloss vector.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..._core.arrays import Vector
from ..._core.sense import Sense, SenseRow
from ..lexicon.inventory import Inventory
from ..store.centroids import Centroids, group_centroids, normalise


@dataclass(frozen=True, slots=True)
class Composed:
    """Index rows, their vectors (one row each) and how many came from each source."""

    rows: list[SenseRow]
    matrix: np.ndarray[Any, np.dtype[np.float32]]
    sources: Counter[str]


def compose(
    senses: Sequence[Sense],
    corpus: Centroids,
    glosses: Centroids,
    examples: Centroids,
    propagation: Propagation | None,
) -> Composed:
    """Rows for ``senses``, each of which has a gloss vector."""
    dimension = corpus.dimension
    rows: list[SenseRow] = []
    matrix = np.zeros((len(senses), 2 * dimension), dtype=np.float32)
    sources: Counter[str] = Counter()
    for number, sense in enumerate(senses):
        gloss = glosses.centroid(sense.key)
        if gloss is None:
            raise ValueError(f"{sense.key} has no gloss vector")
        context, source = _context_vector(sense, corpus, examples, propagation)
        if context is None:
            context, source = gloss, "gloss"
        source = "custom" if sense.custom else source
        sources[source] += 1
        matrix[number, :dimension] = context
        matrix[number, dimension:] = gloss
        count = corpus.count(sense.key) + sense.tag_count
        rows.append(SenseRow(sense.key, sense.lemma, sense.pos, sense.synset_id, count, source))
    return Composed(rows, matrix, sources)


def _context_vector(
    sense: Sense, corpus: Centroids, examples: Centroids, propagation: Propagation | None
) -> tuple[Vector | None, str]:
    vector = corpus.centroid(sense.key)
    if vector is not None:
        return vector, "corpus"
    vector = examples.centroid(sense.key)
    if vector is not None:
        return vector, "gloss"
    if propagation is not None and not sense.custom:
        return propagation.vector(sense), "propagated"
    return None, "gloss"


class Propagation:
    """Synset, then hypernym, then lexname centroids of the corpus-attested senses."""

    def __init__(self, inventory: Inventory, corpus: Centroids) -> None:
        self._inventory = inventory
        synset_of: dict[str, str] = {}
        lexname_of: dict[str, str] = {}
        for key in corpus:
            sense = inventory.by_key(key)
            if sense is not None:
                synset_of[key], lexname_of[key] = sense.synset_id, sense.lexname
        self._synsets = group_centroids(corpus, synset_of)
        self._lexnames = group_centroids(corpus, lexname_of)

    def vector(self, sense: Sense) -> Vector | None:
        vector = self._synsets.centroid(sense.synset_id)
        if vector is not None:
            return vector
        synset = self._inventory.synset(sense.synset_id)
        parents = [
            v
            for symbol, offset, pos in synset.pointers
            if symbol in ("@", "@i")
            if (v := self._synsets.centroid(f"{offset:08d}-{pos}")) is not None
        ]
        if parents:
            return normalise(np.mean(parents, axis=0))
        return self._lexnames.centroid(sense.lexname)
