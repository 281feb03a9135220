"""What the scripts that train for senses share: the dev protocol's arguments, the frozen
encoder's material and folds, and one line per trial."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from _common import DATA

from wsd_service._core.config import BuildConfig, EncoderConfig
from wsd_service._core.environment import cache_dir
from wsd_service._engine.build.raganato import Corpus, read_corpus
from wsd_service._engine.dev.crossval import CrossValidation, Encoded, Material
from wsd_service._engine.dev.evaluate import Evaluation
from wsd_service._engine.encoding.encoder import Encoder
from wsd_service._engine.lexicon.inventory import Inventory
from wsd_service._tools.vector_options import lemma_set


def add_fold_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fold", type=int, default=0, help="the held fold")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=None, help="crossval's cache (default: its own)")
    parser.add_argument("--training", type=Path, default=DATA / "semcor" / "semcor")
    parser.add_argument("--dev", type=Path, default=DATA / "semeval2007" / "semeval2007")
    parser.add_argument("--lemmas", type=lemma_set, help="only these lemmas' senses (comma-separated; tests)")


@dataclass(frozen=True)
class Frozen:
    """The frozen encoder's material, the corpora it encoded and the folds of the training one."""

    material: Material
    training: Encoded
    dev: Encoded
    folds: CrossValidation
    config: BuildConfig  # a SemCor index's build options

    @property
    def training_corpus(self) -> Corpus:
        return self.training.corpus

    def material_of(self, encoder: Encoder) -> Material:
        """Material of the same inventory, cache and lemmas for another encoder."""
        base = self.material
        return Material(encoder, base.inventory, base.cache_dir, False, base.lemmas)


def frozen(args: argparse.Namespace) -> Frozen:
    material = Material(
        Encoder(EncoderConfig()), Inventory(), args.cache or cache_dir() / "crossval", False, args.lemmas
    )
    training, dev = material.corpus(read_corpus(args.training)), material.corpus(read_corpus(args.dev))
    folds = CrossValidation(material, training, args.folds)
    return Frozen(material, training, dev, folds, BuildConfig().complete(with_corpus=True))


def fold_line(name: str, held: Evaluation, dev: Evaluation) -> str:
    by_pos = "  ".join(f"{p} {s.f1:5.1f}" for p, s in sorted(held.report.by_pos.items()))
    overall, other = held.report.overall.f1, dev.report.overall.f1
    return f"{name:24} held fold ALL {overall:5.1f} ({by_pos})  semeval2007 {other:5.1f}"
