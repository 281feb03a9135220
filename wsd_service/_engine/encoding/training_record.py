"""``training.json``: how a trained encoder folder was made (written by ``wsd-service train``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TRAINING_FILE = "training.json"


def read_training_record(folder: Path) -> dict[str, Any] | None:
    """The folder's training record; None for an encoder that was not trained here."""
    path = folder / TRAINING_FILE
    if not path.is_file():
        return None
    record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return record
