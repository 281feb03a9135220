"""Default locations: the index folder and the server a client talks to."""

from __future__ import annotations

import os
from pathlib import Path

# The project's sense_index/ when run from a checkout; override with WSD_INDEX_DIR.
DEFAULT_INDEX_DIR = Path(os.environ.get("WSD_INDEX_DIR", "sense_index/default"))

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 50051
DEFAULT_TARGET = f"{DEFAULT_HOST}:{DEFAULT_PORT}"  # where ``serve`` listens and clients connect
