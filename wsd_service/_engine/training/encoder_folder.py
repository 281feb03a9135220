"""A trained encoder written as a Hugging Face folder: the base folder's tokenizer and other
files, the new weights as safetensors, and ``training.json`` saying how they were made. The
folder is written beside its destination and swapped in, so a failed write keeps what was there."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from ..._util.durable import fsync_dir, fsync_tree
from ..encoding.training_record import TRAINING_FILE
from .checkpoint import disk_error

_WEIGHTS = (".safetensors", ".bin", ".pt", ".onnx", ".h5", ".msgpack")


def write_encoder_folder(model: Any, base: Path, out: Path, record: dict[str, Any]) -> None:
    staging = out.with_name(out.name + ".writing")
    previous = out.with_name(out.name + ".previous")
    _restore(out, previous)
    try:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(base, staging, ignore=_weights_and_records)
        model.save_pretrained(staging, safe_serialization=True)
        (staging / TRAINING_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        fsync_tree(staging)
        if out.exists():
            out.replace(previous)
        staging.replace(out)
        fsync_dir(out.parent)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        _restore(out, previous)
        raise disk_error(out, error) from error
    shutil.rmtree(previous, ignore_errors=True)


def _restore(out: Path, previous: Path) -> None:
    """A run killed between the two renames left the old folder as ``previous``: put it back;
    one killed while removing it left ``previous`` beside the new ``out``: finish removing it."""
    if not previous.exists():
        return
    if out.exists():
        shutil.rmtree(previous)
    else:
        previous.replace(out)


def _weights_and_records(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n.endswith(_WEIGHTS) or n == TRAINING_FILE or n.startswith("onnx")]
