"""The cheapest rung of training the context side for senses: a linear map on frozen features.

On the crossval cache (SemCor's occurrence vectors and every sense's gloss vector, encoded once by
`wsd-service crossval`), a map W (identity at first) is trained so that W v, normalised, scores
the gold sense's gloss vector above its lemma's other candidates: cross-entropy over the
candidates, the gloss half only, so no occurrence scores against a centroid it is part of. W is
trained on every fold but the held one; then every occurrence vector (SemCor's and the dev
corpus's) is mapped by W and the dev protocol runs unchanged: the held fold's index is built from
the other folds' mapped vectors, and the held fold and semeval2007 are scored, beside the frozen
encoder's scores on the same fold.

    .venv/bin/python benchmarks/linear_map.py [--fold 0] [--epochs 4] [--cache DIR]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from typing import Any

import numpy as np
import torch
from _common import machine
from _folds import add_fold_arguments, fold_line, frozen

from wsd_service._core.sense import lemma_key
from wsd_service._engine.dev.crossval import CrossValidation, Encoded, Material

Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


def _examples(material: Material, encoded: Encoded, rows: np.ndarray[Any, Any], broader: bool) -> Batch:
    """Per training occurrence: its vector, its candidates (rows of the gloss matrix, padded), a
    mask and the gold candidate's position; and the gloss matrix. Occurrences whose gold sense
    has no gloss vector, or whose lemma has one candidate, are left out."""
    glosses = material.glosses(broader)
    corpus_tokens = encoded.corpus.instances()
    number_of: dict[str, int] = {}
    vectors, candidates, golds = [], [], []
    for row in rows:
        instance = encoded.occurrences.instance_ids[row]
        token, gold = corpus_tokens[instance], encoded.keys.get(instance, ())
        senses = material.inventory.senses(lemma_key(token.lemma), token.pos)
        keys = [s.key for s in senses if s.key in glosses]
        if len(keys) < 2 or not gold or gold[0] not in keys:
            continue
        vectors.append(encoded.occurrences.vectors[row])
        candidates.append([number_of.setdefault(k, len(number_of)) for k in keys])
        golds.append(keys.index(gold[0]))
    width = max(len(c) for c in candidates)
    numbers = np.zeros((len(candidates), width), dtype=np.int64)
    mask = np.zeros((len(candidates), width), dtype=bool)
    for n, chosen in enumerate(candidates):
        numbers[n, : len(chosen)] = chosen
        mask[n, : len(chosen)] = True
    matrix = np.vstack([glosses.centroid(k) for k in number_of]).astype(np.float32)
    return (
        torch.from_numpy(np.vstack(vectors)),
        torch.from_numpy(numbers),
        torch.from_numpy(mask),
        torch.tensor(golds),
        torch.from_numpy(matrix),
    )


def train_map(batch: Batch, epochs: int, seed: int) -> tuple[np.ndarray[Any, Any], list[float]]:
    torch.manual_seed(seed)
    vectors, numbers, mask, golds, matrix = batch
    dimension = vectors.shape[1]
    weight = torch.nn.Parameter(torch.eye(dimension))
    scale = torch.nn.Parameter(torch.tensor(10.0))  # logits are cosines: a learned temperature
    optimiser = torch.optim.Adam([weight, scale], lr=1e-3)
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(vectors))
        total = 0.0
        for begin in range(0, len(order), 256):
            chosen = order[begin : begin + 256]
            mapped = torch.nn.functional.normalize(vectors[chosen] @ weight.T, dim=1)
            logits = scale * torch.einsum("bd,bcd->bc", mapped, matrix[numbers[chosen]])
            logits = logits.masked_fill(~mask[chosen], -1e9)
            loss = torch.nn.functional.cross_entropy(logits, golds[chosen])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item() * len(chosen)
        losses.append(total / len(order))
    return weight.detach().numpy().copy(), losses


def _mapped(encoded: Encoded, weight: np.ndarray[Any, Any]) -> Encoded:
    vectors = encoded.occurrences.vectors @ weight.T
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    occurrences = replace(encoded.occurrences, vectors=vectors.astype(np.float32))
    return replace(encoded, occurrences=occurrences)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    add_fold_arguments(parser)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    base = frozen(args)
    material, training, dev, config = base.material, base.training, base.dev, base.config
    held = base.folds.folds[args.fold]
    rows = np.flatnonzero([number not in held for number in training.occurrences.sentences])
    started = time.perf_counter()
    batch = _examples(material, training, rows, config.gloss_broader)
    weight, losses = train_map(batch, args.epochs, args.seed)
    seconds = time.perf_counter() - started
    trained_on = f"trained on {len(batch[0])} occurrences of {args.folds - 1} folds in {seconds:.0f} s"
    print(f"{trained_on}; loss per epoch " + ", ".join(f"{loss:.3f}" for loss in losses))
    print(fold_line("frozen", base.folds.fold(config, args.fold), base.folds.other(config, dev)))
    trained = CrossValidation(material, _mapped(training, weight), args.folds)
    print(
        fold_line("linear map", trained.fold(config, args.fold), trained.other(config, _mapped(dev, weight)))
    )


if __name__ == "__main__":
    main()
