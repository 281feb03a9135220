"""Nested training state (dicts, lists, numbers, strings and tensors) in one safetensors file:
the tensors as its tensors, the structure as JSON in its metadata. Reading it runs no code, as
unpickling a ``torch.save`` file could."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

_STRUCTURE = "structure"


def save_state(state: Any, path: Path) -> None:
    tensors: dict[str, torch.Tensor] = {}
    structure = _flatten(state, tensors)
    save_file(tensors, str(path), metadata={_STRUCTURE: json.dumps(structure)})


def load_state(path: Path) -> Any:
    with safe_open(str(path), framework="pt") as handle:
        structure = json.loads(handle.metadata()[_STRUCTURE])
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118  # not a dict
    return _rebuild(structure, tensors)


def _flatten(value: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """JSON for ``value``, each tensor replaced by its name in ``tensors``; a dict is a list of
    pairs, so that integer keys (an optimiser's parameter numbers) stay integers."""
    if isinstance(value, torch.Tensor):
        name = str(len(tensors))
        tensors[name] = value.detach().cpu().contiguous()
        return {"tensor": name}
    if isinstance(value, dict):
        return {"dict": [[key, _flatten(item, tensors)] for key, item in value.items()]}
    if isinstance(value, (list, tuple)):
        return {"list": [_flatten(item, tensors) for item in value]}
    return {"value": value}


def _rebuild(node: dict[str, Any], tensors: dict[str, torch.Tensor]) -> Any:
    if "tensor" in node:
        return tensors[node["tensor"]]
    if "dict" in node:
        return {key: _rebuild(item, tensors) for key, item in node["dict"]}
    if "list" in node:
        return [_rebuild(item, tensors) for item in node["list"]]
    return node["value"]
