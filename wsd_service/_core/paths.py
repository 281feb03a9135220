"""Default locations."""

from __future__ import annotations

import os
from pathlib import Path

# The project's sense_index/ when run from a checkout; override with WSD_INDEX_DIR.
DEFAULT_INDEX_DIR = Path(os.environ.get("WSD_INDEX_DIR", "sense_index/default"))
