"""Open-vocabulary nearest senses: an approximate (HNSW) index over every row of the sense index.

A row is [context ; gloss] and a query [v ; g v] (``rank``), so a score is v · (context + g gloss):
the graph holds those folded vectors, half a row's length, with the index's own gloss weight g.
The graph only chooses candidates: each is rescored exactly from the sense vectors, so scores are
Disambiguate's without the frequency prior. It is built once by build-index (``NEAREST_FILE``)
and memory-mapped read-only on load like the vectors, so worker processes share one copy in the
page cache; choices and figures: BENCHMARKS.md "NearestSenses".
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from .._core.config import NearestConfig
from .._core.documents import TargetResult, Vector
from .._core.errors import SenseIndexError
from .._core.manifest import NEAREST_FILE, Manifest
from .._core.sense import lemma_key
from .index import SenseIndex
from .prepare import PreparedToken
from .rank import sense_score


def fold(rows: Vector, gloss_weight: float) -> Vector:
    """context + gloss_weight * gloss of every [context ; gloss] row."""
    half = rows.shape[1] // 2
    return np.ascontiguousarray(rows[:, :half] + gloss_weight * rows[:, half:], dtype=np.float32)


def graph_kind(config: NearestConfig) -> str:
    """The graph's FAISS factory string: HNSW links over 8-bit codes of the folded rows."""
    return f"HNSW{config.neighbours},SQ8"


def build_graph(rows: Vector, gloss_weight: float, config: NearestConfig) -> Any:
    """The HNSW index of the folded rows (rescoring makes up for the codes' error)."""
    folded = fold(rows, gloss_weight)
    graph: Any = faiss.index_factory(folded.shape[1], graph_kind(config), faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = config.build_depth
    if len(folded):
        graph.train(folded)
        graph.add(folded)
    return graph


@contextmanager
def nearest_file(
    rows: Vector, manifest: Manifest, config: NearestConfig | None = None
) -> Iterator[dict[str, Path]]:
    """Builds the graph of an index being saved: ``{NEAREST_FILE: path}`` for ``SenseIndex.save``,
    valid inside the block; records the graph's build in ``manifest.build["nearest"]``."""
    config = config or NearestConfig()
    started = time.perf_counter()
    gloss_weight = manifest.scoring_config().gloss_weight
    graph = build_graph(rows, gloss_weight, config)
    with tempfile.TemporaryDirectory(prefix="wsd-nearest-") as folder:
        path = Path(folder) / NEAREST_FILE
        faiss.write_index(graph, str(path))
        manifest.build["nearest"] = {
            "kind": graph_kind(config),
            "neighbours": config.neighbours,
            "build_depth": config.build_depth,
            "gloss_weight": gloss_weight,
            "seconds": round(time.perf_counter() - started, 1),
        }
        yield {NEAREST_FILE: path}


def load_graph(index: SenseIndex, config: NearestConfig) -> Any | None:
    """The index's graph, memory-mapped read-only; None for an index built before it existed.

    Its checksum was verified with the index's other files (``load_index``).
    """
    if index.directory is None or NEAREST_FILE not in index.manifest.files:
        return None
    graph: Any = faiss.read_index(
        str(index.directory / NEAREST_FILE), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
    )
    if graph.ntotal != len(index) or 2 * graph.d != index.dimension:
        raise SenseIndexError(
            f"{index.directory}: {NEAREST_FILE} holds {graph.ntotal} rows of dimension {graph.d},"
            f" the index {len(index)} of dimension {index.dimension}; rebuild it with build-index"
        )
    graph.hnsw.efSearch = config.search_depth  # FAISS searches at least k deep when k is larger
    return graph


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
                f"{where} has no nearest-senses index ({NEAREST_FILE}): it was built before"
                " NearestSenses existed; rebuild it with build-index"
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
            senses = [sense_score(self._index, number, score, include_glosses) for number, score in hits]
            results.append(TargetResult(position, token.text, lemma, pos, token.start, token.end, senses))
        return results
