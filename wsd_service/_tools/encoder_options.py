"""The encoder options of the commands that encode: only what was given overrides the defaults."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from .._core.config import BACKENDS, BackendName, EncoderConfig, parse_backend, query_backends
from .._core.manifest import read_manifest

# argparse destination -> EncoderConfig field; options not given are None.
_ENCODER_OPTIONS = {
    "encoder": "model_dir",
    "layers": "layers",
    "batch_size": "batch_size",
    "batch_tokens": "batch_tokens",
    "threads": "threads",
    "backend": "backend",
}


def add_encoder_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("encoder")
    group.add_argument("--encoder", type=Path, help="Hugging Face encoder folder (default: all-MiniLM-L6-v2)")
    group.add_argument(
        "--layers",
        type=_layers,
        help="hidden layers to average (0: embeddings), e.g. --layers=-4,-3,-2,-1;"
        " default: -1 to build, the index's own layers to query",
    )
    defaults = EncoderConfig()
    group.add_argument(
        "--batch-size", type=int, help=f"windows per forward pass at most (default {defaults.batch_size})"
    )
    group.add_argument(
        "--batch-tokens",
        type=int,
        help=f"padded pieces per forward pass at most (default {defaults.batch_tokens})",
    )
    group.add_argument(
        "--threads", type=int, help="encoder threads (default: every CPU this process may use)"
    )
    group.add_argument(
        "--backend",
        type=_backend,
        help=f"encoder backend: {', '.join(BACKENDS)} (BENCHMARKS.md compares them); default:"
        f" {defaults.backend} to build, the fastest backend the index allows to query"
        f" ({query_backends(defaults.backend)[0]} for indexes built with {defaults.backend})",
    )


def _layers(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"layers must be comma-separated integers, got {text!r}") from None


def _backend(text: str) -> BackendName:
    try:
        return parse_backend(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def encoder_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The encoder options given on the command line, as EncoderConfig fields."""
    given = {field: getattr(args, option, None) for option, field in _ENCODER_OPTIONS.items()}
    return {field: value for field, value in given.items() if value is not None}


def build_encoder(args: argparse.Namespace) -> EncoderConfig:
    """The encoder to build an index with: the defaults and the options given."""
    return EncoderConfig(**encoder_overrides(args))


def index_encoder(index: Path, args: argparse.Namespace) -> EncoderConfig:
    """The encoder to query ``index`` with: its layers and the fastest backend it allows, unless
    options say otherwise."""
    return replace(read_manifest(index).encoder_config(), **encoder_overrides(args))
