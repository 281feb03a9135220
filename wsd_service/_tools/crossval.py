"""``wsd-service crossval``: k-fold cross-validation of build options (docs/accuracy.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .._core.environment import cache_dir
from .corpus_options import add_corpus_option
from .encoder_options import add_encoder_options, build_encoder
from .registration import Commands
from .vector_options import add_vector_options, lemma_set, vector_config


def register(commands: Commands) -> None:
    parser = commands.add_parser(
        "crossval", help="k-fold cross-validation of build options over a corpus's documents"
    )
    parser.add_argument("corpus", type=Path, metavar="PREFIX", help="annotated corpus to fold (SemCor)")
    add_corpus_option(parser, "--dev", "also score this corpus with vectors from all of PREFIX (repeatable)")
    parser.add_argument("--folds", type=int, default=5, help="folds of documents (default 5)")
    parser.add_argument(
        "--lemmas", type=lemma_set, help="comma-separated lemmas: only their senses (a quick trial)"
    )
    parser.add_argument(
        "--cache",
        type=Path,
        help="where encoded occurrences, glosses and examples are kept (default: WSD_CACHE_DIR/crossval)",
    )
    parser.add_argument(
        "--wordnet-only",
        action="store_true",
        help="sense vectors from WordNet alone, as the default index (the folds hold out tag counts)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    add_vector_options(parser)
    add_encoder_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .._engine.build.raganato import read_corpus
    from .._engine.dev.crossval import CrossValidation, Material, summarise
    from .._engine.encoding.encoder import Encoder
    from .._engine.lexicon.inventory import Inventory

    config = vector_config(args, with_corpus=not args.wordnet_only)
    encoder, cache = Encoder(build_encoder(args)), args.cache or cache_dir() / "crossval"
    material = Material(encoder, Inventory(), cache, not args.quiet, args.lemmas)
    training = material.corpus(read_corpus(args.corpus))
    trials = CrossValidation(material, training, args.folds, args.wordnet_only)
    folds = [trials.fold(config, number) for number in range(args.folds)]
    dev = {(e := trials.other(config, material.corpus(read_corpus(p)))).corpus: e for p in args.dev}
    result: dict[str, Any] = {
        "folds": summarise(folds),
        "fold_f1": [round(e.report.overall.f1, 2) for e in folds],
        "dev": {name: _f1s(e.report) for name, e in dev.items()},
    }
    print(json.dumps(result, indent=2) if args.json else _table(result))
    return 0


def _f1s(report: Any) -> dict[str, float]:
    return {"ALL": round(report.overall.f1, 2)} | {p: round(s.f1, 2) for p, s in report.by_pos.items()}


_POS = ("NOUN", "VERB", "ADJ", "ADV")


def _table(result: dict[str, Any]) -> str:
    lines = [f"{'':16} {'ALL':>16} " + " ".join(f"{p:>7}" for p in _POS)]
    folds = result["folds"]
    means = {p: folds[p]["mean"] for p in _POS if p in folds}
    spread = f"{folds['ALL']['mean']:9.1f} ± {folds['ALL']['std']:4.2f}"
    lines.append(f"{'folds (mean±sd)':16} {spread} {_by_pos(means)}")
    for name, f1s in result["dev"].items():
        lines.append(f"{name:16} {f1s['ALL']:16.1f} {_by_pos(f1s)}")
    lines.append("fold F1: " + ", ".join(f"{f:.1f}" for f in result["fold_f1"]))
    return "\n".join(lines)


def _by_pos(f1s: dict[str, float]) -> str:
    return " ".join(f"{f1s[p]:7.1f}" if p in f1s else f"{'-':>7}" for p in _POS)
