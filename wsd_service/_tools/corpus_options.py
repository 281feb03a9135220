"""The repeatable corpus options (``--corpus PREFIX``, ``--dev PREFIX``) of the commands that read
annotated corpora."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_corpus_option(
    parser: argparse.ArgumentParser, flag: str, help: str, *, required: bool = False
) -> None:
    """``flag PREFIX``, repeatable: a Raganato pair PREFIX.data.xml + PREFIX.gold.key.txt each."""
    parser.add_argument(
        flag, type=Path, action="append", default=[], required=required, metavar="PREFIX", help=help
    )
