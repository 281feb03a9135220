"""Grid search of the scoring weights on a dev set (semeval2007 only: the test sets stay unseen).

    .venv/bin/python benchmarks/tune_scoring.py --index sense_index/semcor \
        ../shared/data/wsd/semeval2007/semeval2007

The corpus is encoded once; each weight pair only re-ranks, so the grid costs seconds.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from wsd_service import Disambiguator, ScoringConfig
from wsd_service._engine.dev.evaluate import corpus_documents, evaluate
from wsd_service.evaluation import read_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", type=Path)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--prior", type=float, nargs="+", default=[0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3])
    parser.add_argument("--gloss", type=float, nargs="+", default=[0, 0.25, 0.5, 0.75, 1.0, 1.5])
    args = parser.parse_args()
    corpus = read_corpus(args.prefix)
    engine = Disambiguator.load(args.index)
    documents, _ = corpus_documents(corpus)
    vectors = engine.encoder.encode(engine.pipeline.disambiguation(documents, 1, False, offline=True).words)
    print(f"{'prior':>6} {'gloss':>6} {'F1':>6}")
    best = (0.0, 0.0, 0.0)
    for prior, gloss in itertools.product(args.prior, args.gloss):
        tuned = Disambiguator(
            engine.pipeline.with_scoring(ScoringConfig(prior_weight=prior, gloss_weight=gloss))
        )
        f1 = evaluate(tuned, corpus, lambda words: vectors).report.overall.f1
        print(f"{prior:6.2f} {gloss:6.2f} {f1:6.1f}")
        best = max(best, (f1, prior, gloss))
    print(f"best: F1 {best[0]:.1f} with prior_weight {best[1]} and gloss_weight {best[2]}")


if __name__ == "__main__":
    main()
