"""``wsd-service build-index``: a sense index from WordNet, annotated corpora and custom senses."""

from __future__ import annotations

import argparse
import functools
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .._core.config import BuildConfig
from .._core.environment import DEFAULT_INDEX_DIR
from .._core.errors import InputError
from .corpus_options import add_corpus_option
from .encoder_options import add_encoder_options, build_encoder
from .registration import Commands
from .vector_options import add_vector_options, lemma_set, vector_config

if TYPE_CHECKING:
    from .._engine.build.builder import Runner
    from .._engine.encoding.encoder import Encoder


def register(commands: Commands) -> None:
    parser = commands.add_parser("build-index", help="build a sense index")
    add_corpus_option(parser, "--corpus", "Raganato pair PREFIX.data.xml + PREFIX.gold.key.txt (repeatable)")
    parser.add_argument("--inventory", type=Path, help="JSONL file of custom senses")
    parser.add_argument(
        "--lemmas", type=lemma_set, help="comma-separated lemmas: a small index of only these"
    )
    add_vector_options(parser)
    parser.add_argument(
        "--vectors",
        choices=("fp16", "fp32"),
        default=BuildConfig().vector_storage,
        help="how sense vectors are stored: fp16 (half the memory, default) or fp32",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_INDEX_DIR, help="index folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="encode on Ray Data: a local Ray when no ADDRESS is given, else join that cluster"
        " ('auto' or host:port); needs the [ray] extra",
    )
    parser.add_argument("--ray-actors", type=int, help="encoder actors on Ray (default: one per cluster CPU)")
    add_encoder_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .._engine.build.builder import IndexBuilder
    from .._engine.encoding.encoder import Encoder
    from .._engine.lexicon.custom_senses import read_custom_inventory
    from .._engine.lexicon.inventory import Inventory

    started = time.time()
    config = _build_config(args)
    custom = read_custom_inventory(config.custom_inventory) if config.custom_inventory else []
    if args.ray_actors is not None and (not args.ray or args.ray_actors < 1):
        raise InputError("--ray-actors needs --ray and at least 1")
    encoder = Encoder(build_encoder(args))
    runner = _ray_runner(args.ray, encoder, args.ray_actors) if args.ray else None
    report = IndexBuilder(encoder, Inventory(custom=custom), config, runner).build(args.out)
    senses = ", ".join(f"{name} {count}" for name, count in report.manifest.senses.items())
    print(f"index written to {args.out} ({report.directory.name}) in {time.time() - started:.1f} s: {senses}")
    if report.unknown_keys:
        top = ", ".join(key for key, _ in report.unknown_keys.most_common(5))
        print(f"{sum(report.unknown_keys.values())} gold keys not in the inventory were skipped (e.g. {top})")
    return 0


def _build_config(args: argparse.Namespace) -> BuildConfig:
    return replace(
        vector_config(args, with_corpus=bool(args.corpus)),
        corpora=tuple(args.corpus),
        custom_inventory=args.inventory,
        lemmas=args.lemmas,
        vector_storage=args.vectors,
    )


def _ray_runner(address: str, encoder: Encoder, actors: int | None) -> Runner:
    from .._engine.build.ray_runner import connect, ray_encode

    connect(address)
    # One encoder thread per actor: Ray would otherwise size it from the actor's CPU share.
    config = replace(encoder.config, threads=1)
    return functools.partial(ray_encode, config=config, dimension=encoder.dimension, actors=actors)
