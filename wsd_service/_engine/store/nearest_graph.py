"""The nearest-senses graph: an approximate (HNSW) index over every row of the sense index.

A row is [context ; gloss] and a query [v ; g v], so a score is v · (context + g gloss): the
graph holds those folded vectors, half a row's length, with the index's own gloss weight g. It
is built once when an index is saved (``NEAREST_FILE``) and memory-mapped read-only on load like
the vectors, so worker processes share one copy in the page cache.
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

from ..._core.arrays import Vector
from ..._core.config import NearestConfig
from ..._core.errors import SenseIndexError
from ..._core.manifest import NEAREST_FILE, Manifest
from ..._util.pages import release
from .sense_index import SenseIndex


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
    """The index's graph, memory-mapped read-only; None for an index held in memory only.

    Its checksum was verified with the index's other files (``load_index``).
    """
    if index.directory is None or NEAREST_FILE not in index.manifest.files:
        return None
    path = index.directory / NEAREST_FILE
    graph: Any = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    release(path)  # 54 MB of SemCor's links that Disambiguate never reads
    if graph.ntotal != len(index) or 2 * graph.d != index.dimension:
        raise SenseIndexError(
            f"{index.directory}: {NEAREST_FILE} holds {graph.ntotal} rows of dimension {graph.d},"
            f" the index {len(index)} of dimension {index.dimension}; rebuild it with build-index"
        )
    graph.hnsw.efSearch = config.search_depth  # FAISS searches at least k deep when k is larger
    return graph
