"""Encoder options from the command line: only what was given overrides the defaults."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from .._core.config import DEFAULT_INDEX_BACKEND, EncoderConfig
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


def encoder_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The encoder options given on the command line, as EncoderConfig fields."""
    given = {field: getattr(args, option, None) for option, field in _ENCODER_OPTIONS.items()}
    return {field: value for field, value in given.items() if value is not None}


def build_encoder(args: argparse.Namespace) -> EncoderConfig:
    """The encoder to build an index with: the defaults, on the fp32 ONNX backend (the same
    vectors as torch, built faster: BENCHMARKS.md), and the options given."""
    return EncoderConfig(**({"backend": DEFAULT_INDEX_BACKEND} | encoder_overrides(args)))


def index_encoder(index: Path, args: argparse.Namespace) -> EncoderConfig:
    """The encoder to query ``index`` with: its layers and the fastest backend it allows, unless
    options say otherwise."""
    return replace(read_manifest(index).encoder.encoder_config(), **encoder_overrides(args))
