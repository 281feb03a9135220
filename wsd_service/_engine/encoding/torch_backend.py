"""The PyTorch backend: the Hugging Face model as loaded by transformers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModel, AutoTokenizer
from transformers.utils import logging as hf_logging

from ..._core.arrays import Vector
from ..._core.errors import WsdError
from ..._util.cpus import available_cpus
from .backends import Ids, ModelParts, plain_tokenizer

hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # a bar for loading 100 tensors from disk is noise


class TorchBackend:
    def __init__(self, model: Any) -> None:
        self._model = model

    def hidden_states(self, ids: Ids, mask: Ids, layers: Sequence[int]) -> Vector:
        with torch.inference_mode():
            inputs = {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask)}
            output = self._model(**inputs, output_hidden_states=True)
            states = torch.stack([output.hidden_states[layer] for layer in layers]).mean(0)
        return states.float().numpy()


def load_torch(model_dir: Path, threads: int | None) -> ModelParts:
    torch.set_num_threads(threads or available_cpus())
    model, tokenizer = load_hugging_face(model_dir)
    return parts_of(model, tokenizer, TorchBackend(model))


def load_hugging_face(model_dir: Path) -> tuple[Any, Any]:
    """The model (eval mode) and its fast tokenizer, read from the folder only: a hub download
    would fail here and surprise users elsewhere."""
    folder = str(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(folder, use_fast=True, local_files_only=True)
    if not getattr(tokenizer, "is_fast", False):
        raise WsdError(f"encoder folder {model_dir}: no fast tokenizer (tokenizer.json) could be loaded")
    return AutoModel.from_pretrained(folder, local_files_only=True).eval(), tokenizer


def parts_of(model: Any, tokenizer: Any, backend: Any) -> ModelParts:
    config = model.config
    return ModelParts(
        tokenizer=plain_tokenizer(tokenizer.backend_tokenizer),
        pad_id=tokenizer.pad_token_id or 0,
        unk_id=tokenizer.unk_token_id,
        max_length=min(
            int(getattr(tokenizer, "model_max_length", 512) or 512),
            int(getattr(config, "max_position_embeddings", 512)),
        ),
        dimension=int(config.hidden_size),
        num_layers=int(config.num_hidden_layers),
        # A view of the weights, not a copy: static vectors need only this table.
        embedding_table=model.get_input_embeddings().weight.detach().numpy(),
        backend=backend,
    )
