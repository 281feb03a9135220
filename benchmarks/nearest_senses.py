"""NearestSenses: recall@10 of the approximate graph against exact search over the same
rows, latency per query without and with the encoder, and what the graph costs (file, memory,
build time); ``--alternatives`` builds other FAISS structures over the same rows, for the choice.

PYTHONPATH=. nice -n 10 .venv/bin/python benchmarks/nearest_senses.py --index /work/ns-index
    [--sentences 135] [--alternatives]

Queries: the contextual vector of every open-vocabulary target word (not a stopword or
punctuation, with or without WordNet senses) of the first ``--sentences`` sentences of
semeval2007. Exact: IndexFlatIP over the index's rows ([context ; gloss], decoded from its store)
with the query [v ; g v], g the index's gloss weight. Approximate: the engine's own search (the
graph, then exact rescoring of what it found).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt
from _common import machine, median, percentile, sentences

from wsd_service import Disambiguator, Document, InputToken
from wsd_service._core.config import NearestConfig
from wsd_service._core.manifest import (
    CONTEXT_NUMBERS_FILE,
    CONTEXT_VECTORS_FILE,
    GLOSS_VECTORS_FILE,
    NEAREST_FILE,
)
from wsd_service._engine.query.nearest_senses import NearestSenses, rescore
from wsd_service._engine.query.prepare import words_of
from wsd_service._engine.store.nearest_graph import fold
from wsd_service._engine.store.sense_index import SenseIndex

K = 10
Ids = npt.NDArray[np.int64]


def _memory() -> dict[str, float]:
    """This process' private (anonymous) and file-backed resident memory, in MB."""
    found = {}
    with Path("/proc/self/status").open() as status:
        for line in status:
            if line.startswith(("RssAnon", "RssFile")):
                found[line.split(":")[0]] = int(line.split()[1]) / 1024
    return found


def _recall(found: Ids, truth: Ids) -> float:
    return float(np.mean([len(set(f[f >= 0]) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]))


def _timed(
    search: Callable[[npt.NDArray[np.float32]], Ids], queries: npt.NDArray[np.float32]
) -> tuple[Ids, list[float]]:
    """One query at a time, as a served call sends them: the ids found and milliseconds each."""
    found, times = [], []
    for query in queries:
        started = time.perf_counter()
        found.append(search(query[None, :]))
        times.append((time.perf_counter() - started) * 1000)
    return np.concatenate(found), times


def _line(name: str, found: Ids, truth: Ids, times: list[float]) -> str:
    return (
        f"  {name:<34} recall@{K} {_recall(found, truth):.3f}   median {median(times):6.3f} ms"
        f"   p95 {percentile(times, 95):6.3f} ms"
    )


def _row_ids(index: SenseIndex, hits: list[list[Any]]) -> Ids:
    ids = np.full((len(hits), K), -1, dtype=np.int64)
    for i, found in enumerate(hits):
        ids[i, : len(found)] = [number for number, _ in found]
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="an index built with its graph")
    parser.add_argument("--sentences", type=int, default=135, help="of semeval2007 (135: all)")
    parser.add_argument("--alternatives", action="store_true", help="also measure other structures")
    args = parser.parse_args()

    engine = Disambiguator.load(args.index)
    index, config = engine.pipeline.index, NearestConfig()
    documents = [
        Document(tokens=[InputToken(w) for w in words])
        for words in sentences(["semeval2007"], args.sentences)
    ]
    prepared = [engine.pipeline.nearest(d, K, True).tokens for d in documents]
    matrices = engine.encoder.encode(words_of(prepared))
    queries = np.concatenate(
        [
            m[[i for i, t in enumerate(tokens) if t.target]]
            for tokens, m in zip(prepared, matrices, strict=True)
        ]
    ).astype(np.float32)
    unknown = sum(1 for tokens in prepared for t in tokens if t.target and not t.candidates)
    searcher = NearestSenses(index, config)
    gloss_weight = searcher.gloss_weight

    rows = index.vectors(0, len(index))
    exact = faiss.IndexFlatIP(rows.shape[1])
    exact.add(rows)
    full = np.ascontiguousarray(np.concatenate([queries, gloss_weight * queries], axis=1))
    _, truth = exact.search(full, K)

    print(f"machine: {machine()}, faiss threads {faiss.omp_get_max_threads()}")
    print(
        f"index {args.index}: {len(index)} rows of {index.dimension}; encoder {engine.encoder.config.backend}"
    )
    print(
        f"queries: {len(queries)} target words of {len(documents)} semeval2007 sentences"
        f" ({unknown} without WordNet senses)"
    )
    print(f"top_k {K}; graph {index.manifest.build.get('nearest')}")
    sample = full[: min(len(full), 300)]  # exact search is slow: its latency on a sample
    found, times = _timed(lambda q: exact.search(q, K)[1], sample)
    print(_line(f"exact (IndexFlatIP, {len(sample)} queries)", found, truth[: len(sample)], times))
    for depth in sorted({32, 64, config.search_depth, 256}):
        swept = NearestSenses(index, replace(config, search_depth=depth))
        found, times = _timed(lambda q, s=swept: _row_ids(index, s.search(q, K)), queries)  # type: ignore[misc]
        default = " (default)" if depth == config.search_depth else ""
        print(_line(f"graph efSearch {depth}{default}", found, truth, times))

    calls, words = [], []
    for document, tokens in zip(documents, prepared, strict=True):
        started = time.perf_counter()
        engine.nearest_senses(document, top_k=K)
        calls.append((time.perf_counter() - started) * 1000)
        words.append(sum(t.target for t in tokens))
    print(
        f"  nearest_senses(sentence), encoder included: median {median(calls):.1f} ms, p95"
        f" {percentile(calls, 95):.1f} ms per call ({median(words):.0f} target words of"
        f" {median([len(t) for t in prepared]):.0f}), {sum(calls) / sum(words):.2f} ms per target word"
    )
    _costs(args.index, index, engine, config, queries)
    if args.alternatives:
        _alternatives(index, rows, queries, truth, gloss_weight, config)


def _costs(path: Path, index: SenseIndex, engine: Disambiguator, config: NearestConfig, queries: Any) -> None:
    assert index.directory is not None
    size = (index.directory / NEAREST_FILE).stat().st_size / 2**20
    files = (CONTEXT_VECTORS_FILE, CONTEXT_NUMBERS_FILE, GLOSS_VECTORS_FILE)
    vectors = sum((index.directory / name).stat().st_size for name in files) / 2**20
    build = index.manifest.build
    before = _memory()
    loaded = NearestSenses(index, config)  # a second, fresh mapping of the graph
    after_load = _memory()
    for query in queries:
        loaded.search(query[None, :], K)
    after = _memory()
    print(
        f"cost: {NEAREST_FILE} {size:.1f} MB (the sense vectors {vectors:.1f} MB);"
        f" graph build {build['nearest']['seconds']} s (the rest of the build {build['seconds']} s)"
    )
    print(
        f"  loading it: private +{after_load['RssAnon'] - before['RssAnon']:.1f} MB,"
        f" file-backed +{after_load['RssFile'] - before['RssFile']:.1f} MB; after every query:"
        f" private +{after['RssAnon'] - before['RssAnon']:.1f} MB, file-backed (shared page cache)"
        f" +{after['RssFile'] - before['RssFile']:.1f} MB"
    )


def _alternatives(
    index: SenseIndex, rows: Any, queries: Any, truth: Ids, gloss_weight: float, config: NearestConfig
) -> None:
    """Other structures over the same folded rows, found candidates rescored exactly alike."""
    folded = fold(rows, gloss_weight)
    lists = max(1, min(1024, len(folded) // 39))  # FAISS wants 39 training points per list
    fetched = min(len(index), max(K, config.fetched))
    print(f"alternatives over the folded rows ({folded.shape[1]}-d), {fetched} fetched and rescored:")
    for kind in (
        "HNSW32,SQ8",
        "HNSW16,SQ8",
        "HNSW32,SQfp16",
        "HNSW32,Flat",
        f"IVF{lists},SQ8",
        f"IVF{lists},Flat",
    ):
        started = time.perf_counter()
        built: Any = faiss.index_factory(folded.shape[1], kind, faiss.METRIC_INNER_PRODUCT)
        if kind.startswith("HNSW"):
            built.hnsw.efConstruction = config.build_depth
        built.train(folded)
        built.add(folded)
        seconds = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as folder:
            file = Path(folder) / "alternative.faiss"
            faiss.write_index(built, str(file))
            print(f"  {kind}: build {seconds:.1f} s, file {file.stat().st_size / 2**20:.1f} MB")
            graph: Any = faiss.read_index(str(file), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
            depths = (16, 32, 64, 128, 256) if kind.startswith("HNSW") else (8, 16, 32, 64, 128)
            for depth in depths:
                if kind.startswith("HNSW"):
                    graph.hnsw.efSearch = depth
                else:
                    graph.nprobe = min(depth, lists)

                def search(query: Any, g: Any = graph) -> Ids:
                    _, found = g.search(query, fetched)
                    return _row_ids(index, rescore(index, query, found, gloss_weight, K))

                found, times = _timed(search, queries)
                print(
                    _line(
                        f"  {'efSearch' if kind.startswith('HNSW') else 'nprobe'} {depth}",
                        found,
                        truth,
                        times,
                    )
                )


if __name__ == "__main__":
    main()
