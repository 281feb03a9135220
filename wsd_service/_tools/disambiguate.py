"""``wsd-service disambiguate``: a text's senses from a local index."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._core.environment import DEFAULT_INDEX_DIR
from .encoder_options import add_encoder_options
from .engines import local_engine
from .output import print_results
from .registration import Commands


def register(commands: Commands) -> None:
    parser = commands.add_parser("disambiguate", help="disambiguate a text with a local index")
    parser.add_argument("text")
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR)
    parser.add_argument("--top-k", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    add_encoder_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print_results(local_engine(args).disambiguate(args.text, top_k=args.top_k), args.json)
    return 0
