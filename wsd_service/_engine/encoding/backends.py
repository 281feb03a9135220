"""Ways to run the encoder's forward pass: PyTorch, or ONNX Runtime in fp32 or int8.

Every backend maps padded ``(batch, length)`` piece ids and attention mask to the mean of the
chosen hidden layers, ``(batch, length, dimension)`` float32, and hands the encoder the rest of
what it needs from the model (tokenizer, sizes, input embeddings) as ``ModelParts``. The ONNX
backends run from an exported bundle and never import torch or transformers, so a server on
them does not load either (BENCHMARKS.md: speed and F1 per backend).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

from ..._core.arrays import Vector
from ..._core.config import BACKENDS
from ..._core.errors import WsdError

Ids = npt.NDArray[np.int64]


class Backend(Protocol):
    def hidden_states(self, ids: Ids, mask: Ids, layers: Sequence[int]) -> Vector: ...


@dataclass(frozen=True, slots=True)
class ModelParts:
    """What the encoder needs from a model folder, however its forward pass is run."""

    tokenizer: Tokenizer  # the fast tokenizer, with no padding or truncation of its own
    pad_id: int
    unk_id: int | None
    max_length: int  # pieces per window the model accepts, special tokens included
    dimension: int
    num_layers: int  # hidden layers; hidden state 0 is the input embeddings
    embedding_table: Vector  # input embeddings, (vocabulary, dimension): static vectors
    backend: Backend


def load_model(name: str, model_dir: Path, model_sha256: str, threads: int | None) -> ModelParts:
    """The model in ``model_dir`` (a Hugging Face folder) run by backend ``name``."""
    if name == "torch":
        from .torch_backend import load_torch

        return load_torch(model_dir, threads)
    if name in ("onnx", "onnx-int8"):
        from .onnx_backend import load_onnx

        return load_onnx(model_dir, model_sha256, quantised=name == "onnx-int8", threads=threads)
    raise WsdError(f"unknown encoder backend {name!r}; choose one of {', '.join(BACKENDS)}")


def plain_tokenizer(tokenizer: Tokenizer) -> Tokenizer:
    """``tokenizer`` without the padding or truncation its file may configure: the encoder
    windows and pads pieces itself."""
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer
