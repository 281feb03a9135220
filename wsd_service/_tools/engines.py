"""The engine a command runs on: with ``--server`` a client of that server (and no engine is
loaded), else the local ``--index`` with the encoder and scoring options given."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING

from .._core.interface import WsdApi
from .._core.manifest import read_manifest
from .client_options import client_config, open_client, refuse_client_options
from .encoder_options import index_encoder
from .vector_options import scoring_overrides

if TYPE_CHECKING:
    from .._engine.disambiguator import Disambiguator


@contextmanager
def engine(args: argparse.Namespace, texts_per_call: int = 1) -> Iterator[WsdApi]:
    """``texts_per_call``: each call to the server carries that many texts, and may take the
    client's timeout for each."""
    if not args.server:
        refuse_client_options(args)
        yield local_engine(args)
        return
    config = client_config(args)
    with open_client(replace(config, timeout=config.timeout * texts_per_call)) as client:
        yield client


def local_engine(args: argparse.Namespace) -> Disambiguator:
    from .._engine.disambiguator import Disambiguator

    overrides = scoring_overrides(args)
    scoring = replace(read_manifest(args.index).scoring_config(), **overrides) if overrides else None
    return Disambiguator.load(args.index, index_encoder(args.index, args), scoring=scoring)
