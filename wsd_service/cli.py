"""Command line: ``wsd-service train | build-index | crossval | evaluate | serve | query | ...``.

A thin adapter: each command's module under ``_tools`` adds its sub-parser and runs it; engine
errors become one-line messages on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._core.errors import WsdError
from ._tools import (
    annotate,
    build_index,
    crossval,
    disambiguate,
    evaluate,
    nearest,
    plot,
    query,
    serve,
    train,
)
from ._tools.registration import Register, Run
from ._util.logs import configure as configure_logging

# Each command's registration, in the order ``--help`` lists them.
_REGISTRATIONS: tuple[Register, ...] = (
    train.register,
    build_index.register,
    crossval.register,
    evaluate.register,
    disambiguate.register,
    serve.register,
    annotate.register,
    plot.register,
    query.register,
    nearest.register,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wsd-service", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    commands = parser.add_subparsers(dest="command", required=True)
    for register in _REGISTRATIONS:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.verbose, getattr(args, "log_json", False))
    run: Run = args.run
    try:
        return run(args)
    except WsdError as error:
        print(f"wsd-service {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"wsd-service {args.command}: interrupted", file=sys.stderr)
        return 130
