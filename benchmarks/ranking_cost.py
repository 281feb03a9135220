"""What ranking costs per target word (encoder excluded): on raw text the engine has not seen
since it was loaded, first and second pass, the worst lemma ("be") alone; then the scoring
levers on and off over a corpus, and the index files.

    .venv/bin/python benchmarks/ranking_cost.py --index sense_index/semcor \
        ../shared/data/wsd/semeval2007/semeval2007 --text ../shared/data/wsd/semcor/semcor

The corpus is encoded once; each variant re-ranks the same vectors (the median of --repeats).
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from pathlib import Path

from _common import machine, median, percentile

from wsd_service import Disambiguator
from wsd_service._core.arrays import Vector
from wsd_service._core.documents import Document
from wsd_service._core.manifest import resolve_index_dir
from wsd_service._engine.build.raganato import Corpus
from wsd_service._engine.dev.evaluate import corpus_documents, evaluate
from wsd_service._engine.query.prepare import PreparedToken
from wsd_service._engine.query.rank import Ranker
from wsd_service.evaluation import read_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--text", type=Path, help="a corpus whose sentences serve as raw unseen text")
    parser.add_argument("--sentences", type=int, default=300, help="raw sentences from --text")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    corpus = read_corpus(args.prefix)
    engine = Disambiguator.load(args.index)
    if args.text:
        unseen_text(engine, read_corpus(args.text), args.sentences)
    documents, ids = corpus_documents(corpus)
    vectors = engine.encoder.encode(engine.pipeline.disambiguation(documents, 1, False, offline=True).words)
    targets = sum(len(i) for i in ids)
    variants = {
        "plain (no kNN, no try-again)": dict(occurrence_weight=0.0, try_again_weight=0.0),
        "kNN occurrences": dict(try_again_weight=0.0),
        "try-again": dict(occurrence_weight=0.0),
        "index's own scoring": {},
    }
    print(f"{targets} targets; ms per target (median of {args.repeats}), F1")
    for name, change in variants.items():
        tuned = Disambiguator(engine.pipeline.with_scoring(replace(engine.pipeline.scoring, **change)))
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            f1 = evaluate(tuned, corpus, lambda words: vectors).report.overall.f1
            times.append(time.perf_counter() - started)
        print(f"{name:30} {1000 * median(times) / targets:7.3f} ms  F1 {f1:5.1f}")
    folder = resolve_index_dir(args.index)
    for file in sorted(folder.iterdir()):
        print(f"{file.name:24} {file.stat().st_size / 2**20:9.1f} MB")


def unseen_text(engine: Disambiguator, corpus: Corpus, limit: int) -> None:
    """Per-target ranking time on raw sentences, first pass (nothing cached) and second."""
    random.seed(11)
    chosen = random.sample(corpus.sentences, min(limit, len(corpus.sentences)))
    documents = [Document(text=" ".join(t.text for t in s.tokens)) for s in chosen]
    for name in ("first pass", "second pass"):
        started = time.perf_counter()
        pending = engine.pipeline.disambiguation(documents, 1, True, offline=True)  # no request limits
        prepared = pending.tokens
        preparing = time.perf_counter() - started
        vectors = engine.encoder.encode(pending.words)
        per_target = [
            seconds / targets
            for tokens, matrix in zip(prepared, vectors, strict=True)
            if (targets := sum(t.target for t in tokens))
            for seconds in [_rank_seconds(engine, tokens, matrix)]
            for _ in range(targets)
        ]
        print(
            f"unseen text, {name}: {len(documents)} sentences, {len(per_target)} targets; ranking"
            f" {1000 * median(per_target):.3f} ms per target at the median"
            f" (p99 {1000 * percentile(per_target, 99):.3f}), preparation"
            f" {1000 * preparing / len(documents):.3f} ms per sentence"
        )
    _worst_lemma(engine, prepared, vectors)


def _rank_seconds(engine: Disambiguator, tokens: list[PreparedToken], matrix: Vector) -> float:
    ranker = Ranker(engine.pipeline.index, engine.pipeline.scoring)
    started = time.perf_counter()
    ranker.rank([tokens], [matrix], 1, True)
    return time.perf_counter() - started


def _worst_lemma(engine: Disambiguator, prepared: list[list[PreparedToken]], vectors: list[Vector]) -> None:
    """Each target that may be the verb "be", ranked alone."""
    times = []
    for tokens, matrix in zip(prepared, vectors, strict=True):
        for token in tokens:
            if token.target and ("be", "VERB") in token.candidates:
                alone = [replace(t, target=t is token) for t in tokens]
                times.append(_rank_seconds(engine, alone, matrix))
    if times:
        print(f'"be" alone: {len(times)} targets, {1000 * median(times):.3f} ms at the median,'
              f" {1000 * max(times):.3f} ms at most")  # fmt: skip


if __name__ == "__main__":
    main()
