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

from _common import machine
from _folds import add_fold_arguments, fold_line, frozen

from wsd_service._core.arrays import Vector
from wsd_service._core.config import BACKENDS, EncoderConfig, TrainConfig
from wsd_service._core.sense import Sense
from wsd_service._engine.dev.crossval import CrossValidation, sub_corpus
from wsd_service._engine.encoding.encoder import Encoder, default_model_dir
from wsd_service._engine.training.examples import gloss_rows
from wsd_service._engine.training.fine_tune import fine_tune


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the trained encoder folder")
    parser.add_argument("--epochs", type=int, default=TrainConfig().epochs)
    parser.add_argument("--learning-rate", type=float, default=TrainConfig().learning_rate)
    parser.add_argument("--unfrozen-layers", type=int)
    parser.add_argument(
        "--both", action="store_true", help="also score glosses re-encoded by the trained encoder"
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=EncoderConfig().backend,
        help="the trained encoder's backend for re-encoding",
    )
    add_fold_arguments(parser)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    base = frozen(args)
    config, training_corpus = base.config, base.training_corpus
    held = base.folds.folds[args.fold]
    rest = set(range(len(training_corpus.sentences))) - held
    train_on = sub_corpus(training_corpus, rest, f"{training_corpus.name}-without-fold{args.fold}")
    options = TrainConfig(
        epochs=args.epochs,
        learning_rate=args.learning_rate,
        unfrozen_layers=args.unfrozen_layers,
        lemmas=args.lemmas,
    )

    def base_glosses(senses: Sequence[Sense]) -> Vector:
        return gloss_rows(base.material.glosses(config.gloss_broader), senses)

    started = time.perf_counter()
    inventory = base.material.inventory
    record = fine_tune(
        default_model_dir(), [train_on], [base.dev.corpus], args.out, options, inventory, base_glosses
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"trained in {time.perf_counter() - started:.0f} s, peak RSS {peak:.0f} MB: {record['epochs']}")
    print(fold_line("frozen", base.folds.fold(config, args.fold), base.folds.other(config, base.dev)))
    trained = base.material_of(Encoder(EncoderConfig(model_dir=args.out, backend=args.backend)))
    started = time.perf_counter()
    trained_training, trained_dev = trained.corpus(training_corpus), trained.corpus(base.dev.corpus)
    print(f"SemCor and semeval2007 re-encoded in {time.perf_counter() - started:.0f} s")
    sides = {"trained, corpus side": base.material, **({"trained, both sides": trained} if args.both else {})}
    for name, material in sides.items():
        trial = CrossValidation(material, trained_training, args.folds)
        print(fold_line(name, trial.fold(config, args.fold), trial.other(config, trained_dev)))


if __name__ == "__main__":
    main()
