"""A training run's state on disk, replaced atomically: a run killed at any moment resumes from
the last complete checkpoint, and one made by another run (other inputs or options) is refused."""

from __future__ import annotations

import errno
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..._core.errors import InputError, WsdError
from ..._util.durable import replace_durably
from .state_file import load_state, save_state

_STATE = "checkpoint.safetensors"
_IDENTITY = "run.json"


@dataclass(frozen=True, slots=True)
class CheckpointDir:
    """``path`` holds the run's identity and its latest state."""

    path: Path

    def claim(self, identity: dict[str, Any]) -> None:
        """Take the folder for this run; a folder of another run is refused, naming what differs."""
        found = self.path / _IDENTITY
        if found.is_file():
            previous = json.loads(found.read_text(encoding="utf-8"))
            if previous != identity:
                differ = _differences(identity, previous)
                raise InputError(
                    f"{self.path} holds the checkpoint of another training run ({', '.join(differ)}"
                    " differ); remove it, or give the same options to resume it"
                )
            return
        # A state without its identity (a cleanup killed half-way) belongs to no known run.
        (self.path / _STATE).unlink(missing_ok=True)
        self._write(
            found, lambda temporary: temporary.write_text(json.dumps(identity, indent=2, sort_keys=True))
        )

    def load(self) -> dict[str, Any] | None:
        state = self.path / _STATE
        if not state.is_file():
            return None
        loaded: dict[str, Any] = load_state(state)
        return loaded

    def save(self, state: dict[str, Any]) -> None:
        self._write(self.path / _STATE, lambda temporary: save_state(state, temporary))

    def _write(self, path: Path, write: Callable[[Path], object]) -> None:
        temporary = path.with_name(path.name + ".tmp")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            write(temporary)
            replace_durably(temporary, path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise disk_error(self.path, error) from error


def _differences(one: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """The keys whose values differ; inside nested mappings, the nested keys."""
    found = []
    for key in sorted(one.keys() | other.keys()):
        mine, theirs = one.get(key), other.get(key)
        if isinstance(mine, dict) and isinstance(theirs, dict):
            found += _differences(mine, theirs)
        elif mine != theirs:
            found.append(key)
    return found


def disk_error(path: Path, error: OSError) -> WsdError:
    if error.errno == errno.ENOSPC:
        return WsdError(f"no space left on the disk of {path}; what was there before is kept")
    return WsdError(f"cannot write {path}: {error.strerror or error}; what was there before is kept")
