"""``wsd-service annotate``: a large file annotated, resumably, by a local index or a server."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .._core.errors import InputError
from .client_options import add_client_options
from .encoder_options import add_encoder_options
from .engines import engine
from .registration import Commands

if TYPE_CHECKING:
    from .annotation import InputFormat, OutputFormat


def register(commands: Commands) -> None:
    parser = commands.add_parser("annotate", help="annotate a large file (resumable), locally or remotely")
    parser.add_argument("input", type=Path, help="one text per line, JSONL records, or CoNLL-U")
    parser.add_argument(
        "--format", choices=("text", "jsonl", "conllu"), help="input format (default: by suffix)"
    )
    parser.add_argument("--out", type=Path, required=True, help="output file; rerun to resume it")
    parser.add_argument("--out-format", choices=("jsonl", "conllu"), help="default: by suffix, else jsonl")
    parser.add_argument("--top-k", type=int, default=1)
    parser.add_argument(
        "--batch",
        type=int,
        default=64,
        help="texts per engine call; a call to a server may take --timeout for each of them",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_client_options(parser, or_index=True)
    add_encoder_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from . import annotation

    if not args.input.is_file():
        raise InputError(f"{args.input}: no such file")
    formats = _input_format(args.input, args.format), _output_format(args.out, args.out_format)
    config = annotation.AnnotateConfig(*formats, args.top_k, args.batch, not args.quiet)
    # One call streams a whole batch, and the server admits each text against what is left of
    # the call's deadline: the call gets --timeout for each text, so that a busy server queues
    # the batch rather than refusing its last texts (error records, which a rerun keeps).
    with engine(args, texts_per_call=args.batch) as api:
        report = annotation.annotate(api, args.input, args.out, config)
    resumed = f" (resumed after {report.skipped} already written)" if report.skipped else ""
    print(f"annotated {report.annotated} into {args.out}{resumed}", file=sys.stderr)
    return 0


def _input_format(path: Path, given: InputFormat | None) -> InputFormat:
    return given or ("jsonl" if path.suffix == ".jsonl" else "conllu" if path.suffix == ".conllu" else "text")


def _output_format(path: Path, given: OutputFormat | None) -> OutputFormat:
    return given or ("conllu" if path.suffix == ".conllu" else "jsonl")
