"""``wsd-service nearest``: the nearest senses of every word across the whole inventory, from a
local index or a running server (``--server``; then no engine is imported, as for ``query``)."""

from __future__ import annotations

import argparse

from .._core.config import NEAREST_TOP_K
from .client_options import add_client_options
from .encoder_options import add_encoder_options
from .engines import engine
from .output import print_results
from .registration import Commands

_NONE = "no word of this text is a target (only stopwords and punctuation)"


def register(commands: Commands) -> None:
    parser = commands.add_parser(
        "nearest", help="the nearest senses of every word across the whole inventory (open vocabulary)"
    )
    parser.add_argument("text")
    parser.add_argument("--top-k", type=int, default=NEAREST_TOP_K)
    parser.add_argument("--json", action="store_true")
    add_client_options(parser, or_index=True)
    add_encoder_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with engine(args) as api:
        results = api.nearest_senses(args.text, top_k=args.top_k)
    print_results(results, args.json, _NONE)
    return 0
