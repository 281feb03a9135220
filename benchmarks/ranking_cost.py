"""What the scoring levers cost per target word: ranking time (encoder excluded) with kNN
occurrences and try-again on and off, and the index files they add.

    .venv/bin/python benchmarks/ranking_cost.py --index sense_index/semcor \
        ../shared/data/wsd/semeval2007/semeval2007

The corpus is encoded once; each variant re-ranks the same vectors (the median of --repeats).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from _common import machine, median

from wsd_service import Disambiguator
from wsd_service._core.manifest import resolve_index_dir
from wsd_service._engine.evaluate import encode_corpus, evaluate_encoded
from wsd_service.evaluation import read_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    corpus = read_corpus(args.prefix)
    engine = Disambiguator.load(args.index)
    batch, ids = encode_corpus(engine, corpus)
    targets = sum(len(i) for i in ids)
    variants = {
        "plain (no kNN, no try-again)": dict(occurrence_weight=0.0, try_again_weight=0.0),
        "kNN occurrences": dict(try_again_weight=0.0),
        "try-again": dict(occurrence_weight=0.0),
        "index's own scoring": {},
    }
    print(f"{targets} targets; ms per target (median of {args.repeats}), F1")
    for name, change in variants.items():
        tuned = engine.with_scoring(replace(engine.scoring, **change))
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            f1 = evaluate_encoded(tuned, corpus, batch, ids).report.overall.f1
            times.append(time.perf_counter() - started)
        print(f"{name:30} {1000 * median(times) / targets:7.3f} ms  F1 {f1:5.1f}")
    folder = resolve_index_dir(args.index)
    for file in sorted(folder.iterdir()):
        print(f"{file.name:24} {file.stat().st_size / 2**20:9.1f} MB")


if __name__ == "__main__":
    main()
