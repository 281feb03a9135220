"""What the sense vectors are made of and how they are scored (``VectorOptions``): the options
build-index and crossval share, and the scoring options evaluate may override."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from .._core.config import CORPUS_DEFAULTS, RELATION_GROUPS, WORDNET_ONLY_DEFAULTS, BuildConfig, Relations

# ScoringConfig fields that are options of the same name: (option, type, what it weighs).
_SCORING_OPTIONS: tuple[tuple[str, type, str], ...] = (
    ("prior-weight", float, "weight of the sense-frequency prior"),
    ("gloss-weight", float, "weight of the gloss half of the sense vectors"),
    ("occurrence-weight", float, "weight of the similarity to the nearest corpus occurrence (kNN)"),
    ("occurrence-k", int, "nearest occurrences averaged for that similarity"),
    ("try-again-weight", float, "weight of the neighbourhoods when the top two are compared again"),
)


def add_scoring_overrides(parser: argparse.ArgumentParser) -> None:
    """The scoring options, to try on a built index without rebuilding it (``scoring_overrides``)."""
    group = parser.add_argument_group("scoring (overrides the index's own)")
    for option, kind, what in _SCORING_OPTIONS:
        group.add_argument(f"--{option}", type=kind, help=what)


def add_vector_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("sense vectors")
    group.add_argument("--no-examples", action="store_true", help="ignore WordNet usage examples")
    group.add_argument("--no-propagation", action="store_true", help="no synset/hypernym/lexname fill")
    corpus, wordnet = CORPUS_DEFAULTS.scoring, WORDNET_ONLY_DEFAULTS.scoring
    for option, kind, what in _SCORING_OPTIONS:
        name = option.replace("-", "_")
        group.add_argument(
            f"--{option}",
            type=kind,
            help=f"{what}, stored in the index (default {getattr(corpus, name)} with a corpus,"
            f" {getattr(wordnet, name)} without)",
        )
    group.add_argument(
        "--gloss-broader", action="store_true", help="gloss texts also name the sense's hypernyms"
    )
    group.add_argument(
        "--no-occurrences",
        action="store_true",
        help="keep no corpus occurrence vectors in the index (no kNN; smaller)",
    )
    for half in ("context", "gloss"):
        group.add_argument(
            f"--{half}-relations",
            type=_relation_weights,
            metavar="GROUP=W,...",
            help=f"move each sense's {half} vector toward its related synsets' mean, by relation"
            " group (hypernym, hyponym, similar, derivation, ...); 'none' for no enhancement"
            " (default: every group but antonymy, weighted per kind of index: docs/accuracy.md)",
        )


def _relation_weights(text: str) -> Relations:
    if text.strip() == "none":
        return ()
    pairs: list[tuple[str, float]] = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        group, _, weight = item.partition("=")
        if group not in RELATION_GROUPS:
            known = ", ".join(RELATION_GROUPS)
            raise argparse.ArgumentTypeError(f"unknown relation group {group!r}; choose from {known}")
        try:
            pairs.append((group, float(weight or 1.0)))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{item!r}: the weight must be a number") from None
    return tuple(pairs)


def lemma_set(text: str) -> frozenset[str]:
    """``--lemmas a,b c``: WordNet spellings (lowercase, underscores)."""
    lemmas = frozenset("_".join(x.lower().split()) for x in text.split(",") if x.strip())
    if not lemmas:
        raise argparse.ArgumentTypeError("give at least one lemma")
    return lemmas


def vector_config(args: argparse.Namespace, with_corpus: bool) -> BuildConfig:
    """The options of ``add_vector_options``, the ones not given set to the defaults for an
    index with a corpus or without one."""
    given = BuildConfig(
        use_examples=not args.no_examples,
        propagate=not args.no_propagation,
        keep_occurrences=not args.no_occurrences,
        gloss_broader=args.gloss_broader,
        context_relations=args.context_relations,
        gloss_relations=args.gloss_relations,
        progress=not args.quiet,
    )
    config = given.complete(with_corpus)
    assert config.scoring is not None  # completed
    return replace(config, scoring=replace(config.scoring, **scoring_overrides(args)))


def scoring_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The scoring options given on the command line, as ScoringConfig fields."""
    names = (option.replace("-", "_") for option, _, _ in _SCORING_OPTIONS)
    return {name: value for name in names if (value := getattr(args, name, None)) is not None}
