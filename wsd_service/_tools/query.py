"""``wsd-service query``: ask a running server. Imports no engine, so one call is quick."""

from __future__ import annotations

import argparse

from .client_options import add_client_options, client_config, open_client
from .output import print_results
from .registration import Commands


def register(commands: Commands) -> None:
    parser = commands.add_parser("query", help="ask a running server and print its senses")
    parser.add_argument("text")
    parser.add_argument("--top-k", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    add_client_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with open_client(client_config(args)) as client:
        results = client.disambiguate(args.text, top_k=args.top_k)
    print_results(results, args.json)
    return 0
