"""Every environment variable the project reads, with its default."""

from __future__ import annotations

import os
from pathlib import Path

# The index ``serve`` and the tools open when not told: the checkout's sense_index/default.
DEFAULT_INDEX_DIR = Path(os.environ.get("WSD_INDEX_DIR", "sense_index/default"))

# WordNet 3.0's database files (Debian's wordnet-base puts them here).
DEFAULT_WORDNET_DIR = Path(os.environ.get("WSD_WORDNET_DIR", "/usr/share/wordnet"))


def cache_dir() -> Path:
    """Where exported ONNX encoders and crossval's encoded corpora are kept (``WSD_CACHE_DIR``)."""
    return Path(os.environ.get("WSD_CACHE_DIR") or Path.home() / ".cache" / "wsd-service")
