"""The loss: cross-entropy over each annotated word's candidate senses, the logits being a fixed
temperature times the cosine of the word's contextual vector with each candidate's fixed gloss
vector (the index's gloss half)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from .batches import Batch


class SenseObjective(torch.nn.Module):
    glosses: torch.Tensor  # (senses, dimension), fixed: a buffer, moved with the module

    def __init__(self, model: Any, glosses: torch.Tensor, layers: Sequence[int], temperature: float) -> None:
        super().__init__()
        self.model = model
        self.register_buffer("glosses", glosses, persistent=False)
        self.temperature = temperature
        self.layers = tuple(layers)

    def word_vectors(self, batch: Batch) -> torch.Tensor:
        """(targets, dimension) normalised vectors, pooled as the encoder pools them."""
        device = self.glosses.device
        output = self.model(
            input_ids=torch.from_numpy(batch.ids).to(device),
            attention_mask=torch.from_numpy(batch.mask).to(device),
            output_hidden_states=True,
        )
        states = torch.stack([output.hidden_states[layer] for layer in self.layers]).mean(0)
        flat = states.reshape(-1, states.shape[-1])
        weights = torch.from_numpy(batch.weights).to(device)[:, None]
        pieces = flat[torch.from_numpy(batch.pieces).to(device)] * weights
        pooled = torch.zeros(batch.targets, flat.shape[1], device=device, dtype=flat.dtype)
        pooled = pooled.index_add(0, torch.from_numpy(batch.owners).to(device), pieces)
        return torch.nn.functional.normalize(pooled, dim=1)

    def forward(self, batch: Batch) -> tuple[torch.Tensor, int]:
        """The mean loss over the batch's targets, and how many had the gold sense on top."""
        device = self.glosses.device
        words = self.word_vectors(batch)
        candidates = self.glosses[torch.from_numpy(batch.candidates).to(device)]
        logits = self.temperature * torch.einsum("td,tcd->tc", words, candidates)
        logits = logits.masked_fill(~torch.from_numpy(batch.allowed).to(device), -1e4)
        golds = torch.from_numpy(batch.golds).to(device)
        loss = torch.nn.functional.cross_entropy(logits, golds)
        return loss, int((logits.argmax(1) == golds).sum())
