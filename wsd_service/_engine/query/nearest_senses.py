"""Open-vocabulary nearest senses: search the index's graph, then rescore exactly.

The graph only chooses candidates: each is rescored from the sense vectors, so scores are
Disambiguate's without the frequency prior. Choices and figures: BENCHMARKS.md "NearestSenses".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..._core.arrays import Vector
from ..._core.config import NearestConfig
from ..._core.documents import TargetResult
from ..._core.errors import SenseIndexError
from ..._core.manifest import NEAREST_FILE
from ..._core.sense import lemma_key
from ..store.nearest_graph import load_graph
from ..store.sense_index import SenseIndex
from .prepare import PreparedToken
from .rank import sense_scores


def rescore(
    index: SenseIndex, vectors: Vector, found: npt.NDArray[np.int64], gloss_weight: float, top_k: int
) -> list[list[tuple[int, float]]]:
    """The ``top_k`` best (row number, score) of each vector's ``found`` row numbers (-1: none),
    scored exactly against the rows as ranking scores them: [v ; gloss_weight * v] · [context ; gloss]."""
    numbers = np.unique(found[found >= 0])
    rows = index.rows_at(numbers)
    queries = np.concatenate([vectors, gloss_weight * vectors], axis=1)
    results = []
    for query, hits in zip(queries, found, strict=True):
        chosen = np.searchsorted(numbers, hits[hits >= 0])
        scores = rows[chosen] @ query
        order = np.argsort(-scores, kind="stable")[:top_k]
        results.append([(int(numbers[chosen[i]]), float(scores[i])) for i in order])
    return results


class NearestSenses:
    """The rows of the whole index nearest to contextual word vectors."""

    def __init__(self, index: SenseIndex, config: NearestConfig | None = None) -> None:
        self._index = index
        self.config = config or NearestConfig()
        self.gloss_weight = index.manifest.scoring_config().gloss_weight
        self._graph = load_graph(index, self.config)

    def check_available(self) -> None:
        """Refuse, before any work, an index built without the graph."""
        self._available_graph()

    def _available_graph(self) -> Any:
        if self._graph is None:
            where = self._index.directory or "this index"
            raise SenseIndexError(
                f"{where} has no nearest-senses graph ({NEAREST_FILE}):"
                " build-index writes one with every index it saves"
            )
        return self._graph

    def search(self, vectors: Vector, top_k: int) -> list[list[tuple[int, float]]]:
        """For each vector, its ``top_k`` nearest row numbers with their exact scores, best first."""
        graph = self._available_graph()
        if not len(vectors) or not len(self._index):
            return [[] for _ in vectors]
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        fetched = min(len(self._index), max(top_k, self.config.fetched))
        _, found = graph.search(vectors, fetched)
        return rescore(self._index, vectors, found, self.gloss_weight, top_k)

    def results(
        self, tokens: list[PreparedToken], matrix: Vector, top_k: int, include_glosses: bool
    ) -> list[TargetResult]:
        """The nearest senses of every target token of one document (``matrix``: its vectors)."""
        targets = [position for position, token in enumerate(tokens) if token.target]
        found = self.search(matrix[targets], top_k) if targets else []
        results = []
        for position, hits in zip(targets, found, strict=True):
            token = tokens[position]
            # The word's own lemma and POS: the senses found may be of any lemma.
            lemma, pos = token.candidates[0] if token.candidates else (lemma_key(token.text), "")
            numbers, scores = [number for number, _ in hits], [score for _, score in hits]
            senses = sense_scores(self._index, numbers, scores, include_glosses)
            results.append(TargetResult(position, token.text, lemma, pos, token.start, token.end, senses))
        return results
