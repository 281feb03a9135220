"""Training the context encoder for senses, on the dev protocol: train on every SemCor fold but
one, then score the held fold and semeval2007 through crossval's code beside the frozen encoder.

The trained encoder (``wsd-service train``'s code, ``fine_tune``) re-encodes SemCor's
occurrences, so the held fold's index takes its corpus side from the other folds' trained
vectors; the gloss and example side stays the base encoder's (the vectors it was trained
against), and with ``--both`` is re-encoded too and scored as well.

    .venv/bin/python benchmarks/train_encoder.py --out /work/trained/fold0 [--fold 0] [--epochs 1]
        [--unfrozen-layers N] [--both]
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Sequence
from pathlib import Path

from _common import DATA, machine

from wsd_service._core.config import BuildConfig, EncoderConfig, TrainConfig
from wsd_service._core.environment import cache_dir
from wsd_service._core.sense import Sense
from wsd_service._engine.build.raganato import read_corpus
from wsd_service._engine.dev.crossval import CrossValidation, Material, sub_corpus
from wsd_service._engine.dev.evaluate import Evaluation
from wsd_service._engine.encoding.encoder import Encoder, default_model_dir
from wsd_service._engine.lexicon.inventory import Inventory
from wsd_service._engine.training.examples import Matrix, gloss_rows
from wsd_service._engine.training.fine_tune import fine_tune
from wsd_service._tools.vector_options import lemma_set


def _line(name: str, held: Evaluation, dev: Evaluation) -> str:
    by_pos = "  ".join(f"{p} {s.f1:5.1f}" for p, s in sorted(held.report.by_pos.items()))
    overall, other = held.report.overall.f1, dev.report.overall.f1
    return f"{name:24} held fold ALL {overall:5.1f} ({by_pos})  semeval2007 {other:5.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the trained encoder folder")
    parser.add_argument("--fold", type=int, default=0)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=TrainConfig().epochs)
    parser.add_argument("--learning-rate", type=float, default=TrainConfig().learning_rate)
    parser.add_argument("--unfrozen-layers", type=int)
    parser.add_argument(
        "--both", action="store_true", help="also score glosses re-encoded by the trained encoder"
    )
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--training", type=Path, default=DATA / "semcor" / "semcor")
    parser.add_argument("--dev", type=Path, default=DATA / "semeval2007" / "semeval2007")
    parser.add_argument("--lemmas", type=lemma_set, help="only these lemmas' senses (comma-separated; tests)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    inventory = Inventory()
    cache = args.cache or cache_dir() / "crossval"
    base = Material(Encoder(EncoderConfig()), inventory, cache, False, args.lemmas)
    training_corpus, dev_corpus = read_corpus(args.training), read_corpus(args.dev)
    training, dev = base.corpus(training_corpus), base.corpus(dev_corpus)
    config = BuildConfig().complete(with_corpus=True)
    frozen = CrossValidation(base, training, args.folds)
    held = frozen.folds[args.fold]
    rest = set(range(len(training_corpus.sentences))) - held
    train_on = sub_corpus(training_corpus, rest, f"{training_corpus.name}-without-fold{args.fold}")
    options = TrainConfig(
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        unfrozen_layers=args.unfrozen_layers,
        lemmas=args.lemmas,
    )

    def base_glosses(senses: Sequence[Sense]) -> Matrix:
        return gloss_rows(base.glosses(config.gloss_broader), senses)

    started = time.perf_counter()
    record = fine_tune(
        default_model_dir(), [train_on], [dev_corpus], args.out, options, inventory, base_glosses
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"trained in {time.perf_counter() - started:.0f} s, peak RSS {peak:.0f} MB: {record['epochs']}")
    print(_line("frozen", frozen.fold(config, args.fold), frozen.other(config, dev)))
    trained = Material(Encoder(EncoderConfig(model_dir=args.out)), inventory, cache, False, args.lemmas)
    started = time.perf_counter()
    trained_training, trained_dev = trained.corpus(training_corpus), trained.corpus(dev_corpus)
    print(f"SemCor and semeval2007 re-encoded in {time.perf_counter() - started:.0f} s")
    corpus_side = CrossValidation(base, trained_training, args.folds)
    print(
        _line(
            "trained, corpus side",
            corpus_side.fold(config, args.fold),
            corpus_side.other(config, trained_dev),
        )
    )
    if args.both:
        both = CrossValidation(trained, trained_training, args.folds)
        print(_line("trained, both sides", both.fold(config, args.fold), both.other(config, trained_dev)))


if __name__ == "__main__":
    main()
