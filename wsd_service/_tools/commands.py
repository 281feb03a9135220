"""The CLI commands that run the engine in this process: build-index, evaluate, disambiguate,
annotate and plot (``query`` and ``serve`` have modules of their own)."""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from .._core.config import BuildConfig
from .._core.credentials import read_token
from .._core.errors import InputError
from .._core.interface import WsdApi
from .._core.raganato import read_corpus
from .._engine.builder import IndexBuilder, Runner
from .._engine.custom import read_custom_inventory
from .._engine.disambiguator import Disambiguator
from .._engine.encoder import Encoder
from .._engine.evaluate import Evaluation
from .._engine.evaluate import evaluate as evaluate_corpus
from .._engine.inventory import Inventory
from .._remote.clients import WsdClient
from .annotation import AnnotateConfig, InputFormat, OutputFormat
from .annotation import annotate as annotate_file
from .encoder_options import build_encoder, index_encoder
from .output import print_results
from .sense_space import draw, occurrences_for, sense_space


def build_index(args: argparse.Namespace) -> int:
    started = time.time()
    config = _build_config(args)
    custom = read_custom_inventory(config.custom_inventory) if config.custom_inventory else []
    if args.ray_actors is not None and (not args.ray or args.ray_actors < 1):
        raise InputError("--ray-actors needs --ray and at least 1")
    encoder = Encoder(build_encoder(args))
    runner = _ray_runner(args.ray, encoder, args.ray_actors) if args.ray else None
    builder = IndexBuilder(encoder, Inventory(custom=custom), config, runner)
    report = builder.build(args.out)
    senses = ", ".join(f"{name} {count}" for name, count in report.manifest.senses.items())
    print(f"index written to {args.out} ({report.directory.name}) in {time.time() - started:.1f} s: {senses}")
    if report.unknown_keys:
        top = ", ".join(key for key, _ in report.unknown_keys.most_common(5))
        print(f"{sum(report.unknown_keys.values())} gold keys not in the inventory were skipped (e.g. {top})")
    return 0


def _ray_runner(address: str, encoder: Encoder, actors: int | None) -> Runner:
    from .._engine.ray_runner import connect, ray_encode

    connect(address)
    # One encoder thread per actor: Ray would otherwise size it from the actor's CPU share.
    config = replace(encoder.config, threads=1)
    return functools.partial(ray_encode, config=config, dimension=encoder.dimension, actors=actors)


def _build_config(args: argparse.Namespace) -> BuildConfig:
    return replace(
        vector_options(args, with_corpus=bool(args.corpus)),
        corpora=tuple(args.corpus),
        custom_inventory=args.inventory,
        lemmas=parse_lemmas(args.lemmas),
        vector_storage=args.vectors,
    )


def parse_lemmas(text: str | None) -> frozenset[str] | None:
    """``--lemmas a,b c``: WordNet spellings (lowercase, underscores); None when not given."""
    if not text:
        return None
    return frozenset("_".join(x.lower().split()) for x in text.split(",") if x.strip())


# ScoringConfig fields that are command-line options of the same name.
_SCORING_OPTIONS = ("prior_weight", "gloss_weight", "occurrence_weight", "occurrence_k", "try_again_weight")


def vector_options(args: argparse.Namespace, with_corpus: bool) -> BuildConfig:
    """The build options build-index shares with crossval (``cli._add_build_options``), the
    ones not given set to the defaults for an index with a corpus or without one."""
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
    return replace(config, scoring=replace(config.scoring, **scoring_options(args)))


def scoring_options(args: argparse.Namespace) -> dict[str, Any]:
    """The scoring options given on the command line (the others are None or absent)."""
    return {name: value for name in _SCORING_OPTIONS if (value := getattr(args, name, None)) is not None}


def _load(args: argparse.Namespace) -> Disambiguator:
    disambiguator = Disambiguator.load(args.index, index_encoder(args.index, args))
    overrides = scoring_options(args)
    return (
        disambiguator.with_scoring(replace(disambiguator.scoring, **overrides))
        if overrides
        else disambiguator
    )


def evaluate(args: argparse.Namespace) -> int:
    corpora = [read_corpus(prefix) for prefix in args.prefixes]
    disambiguator = _load(args)
    results = [evaluate_corpus(disambiguator, corpus) for corpus in corpora]
    if args.predictions:
        _write_predictions(args.predictions, results)
    if args.json:
        print(json.dumps({"datasets": {r.corpus: _as_dict(r) for r in results}}, indent=2))
    else:
        _print_table(results)
    return 0


def _as_dict(result: Evaluation) -> dict[str, object]:
    return {
        **result.report.overall.as_dict(),
        "by_pos": {pos: score.as_dict() for pos, score in result.report.by_pos.items()},
    }


def _print_table(results: list[Evaluation]) -> None:
    print(f"{'dataset':<16} {'group':<6} {'P':>6} {'R':>6} {'F1':>6} {'cover':>6} {'n':>7}")
    for result in results:
        groups = [("ALL", result.report.overall), *result.report.by_pos.items()]
        for group, score in groups:
            print(
                f"{result.corpus:<16} {group:<6} {score.precision:6.1f} {score.recall:6.1f} "
                f"{score.f1:6.1f} {score.coverage:6.1f} {score.instances:7d}"
            )


def _write_predictions(path: Path, results: list[Evaluation]) -> None:
    lines = [f"{i} {key}\n" for r in results for i, key in sorted(r.predictions.items())]
    path.write_text("".join(lines), encoding="utf-8")


def disambiguate(args: argparse.Namespace) -> int:
    disambiguator = _load(args)
    results = disambiguator.disambiguate(args.text, top_k=args.top_k)
    print_results(results, args.json)
    return 0


def annotate(args: argparse.Namespace) -> int:

    suffix = args.input.suffix
    input_format: InputFormat = args.format or (
        "jsonl" if suffix == ".jsonl" else "conllu" if suffix == ".conllu" else "text"
    )
    output_format: OutputFormat = args.out_format or ("conllu" if args.out.suffix == ".conllu" else "jsonl")
    if not args.input.is_file():
        raise InputError(f"{args.input}: no such file")
    config = AnnotateConfig(input_format, output_format, args.top_k, args.batch, not args.quiet)
    report = annotate_file(_api(args), args.input, args.out, config)
    resumed = f" (resumed after {report.skipped} already written)" if report.skipped else ""
    print(f"annotated {report.annotated} into {args.out}{resumed}", file=sys.stderr)
    return 0


def _api(args: argparse.Namespace) -> WsdApi:
    if args.server:
        token = read_token(args.token_file) if args.token_file else None
        return WsdClient(args.server, timeout=600, token=token)
    return _load(args)


def plot(args: argparse.Namespace) -> int:

    engine = _load(args)
    lemma = "_".join(args.lemma.lower().split())
    occurrences, source = occurrences_for(engine, lemma, args.pos, args.sentences, args.corpus)
    space = sense_space(engine, lemma, args.pos, occurrences, source)
    draw(space, args.out)
    if args.data:
        args.data.write_text(json.dumps(space.to_json(), indent=1), encoding="utf-8")
    print(f"{args.out}: {len(space.labels)} occurrences, {len(set(space.labels))} senses", file=sys.stderr)
    return 0
