"""Training batches as arrays: the model's padded windows, which pieces make which annotated
word's vector (the encoder's own pooling: a part is the mean of its pieces, a word the sum of
its parts, normalised later), and the candidates to score."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..._core.arrays import Numbers, Vector
from ..encoding.encoder import Encoder, Segment
from .examples import Example

Flags = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Batch:
    ids: Numbers  # (windows, length) piece ids, padded
    mask: Numbers  # (windows, length) 1 for a real piece
    pieces: Numbers  # flat positions (window * length + offset) that feed a target
    owners: Numbers  # for each of those pieces, its target
    weights: Vector  # for each of those pieces, 1 / its part's piece count
    candidates: Numbers  # (targets, most candidates) gloss rows, padded with 0
    allowed: Flags  # (targets, most candidates) False where padded
    golds: Numbers  # (targets,) the gold candidate's place

    @property
    def targets(self) -> int:
        return len(self.golds)


def batch_of(examples: Sequence[Example], planner: Encoder) -> Batch:
    segments, owners = planner.windows([list(e.words) for e in examples])
    target_of: dict[tuple[int, int], int] = {}
    for number, example in enumerate(examples):
        for target in example.targets:
            target_of[(number, target.position)] = len(target_of)
    ids, mask = planner.pad(segments)
    width = ids.shape[1]
    pieces: list[int] = []
    piece_owners: list[int] = []
    weights: list[float] = []
    for row, segment in enumerate(segments):
        for offset, owner, weight in _target_pieces(segment, owners[segment.sentence], target_of):
            pieces.append(row * width + offset)
            piece_owners.append(owner)
            weights.append(weight)
    targets = [t for e in examples for t in e.targets]
    most = max(len(t.candidates) for t in targets)
    candidates = np.zeros((len(targets), most), dtype=np.int64)
    allowed = np.zeros((len(targets), most), dtype=bool)
    for number, target in enumerate(targets):
        candidates[number, : len(target.candidates)] = target.candidates
        allowed[number, : len(target.candidates)] = True
    return Batch(
        ids,
        mask,
        np.asarray(pieces, dtype=np.int64),
        np.asarray(piece_owners, dtype=np.int64),
        np.asarray(weights, dtype=np.float32),
        candidates,
        allowed,
        np.asarray([t.gold for t in targets], dtype=np.int64),
    )


def _target_pieces(
    segment: Segment, word_of_part: list[int], target_of: dict[tuple[int, int], int]
) -> Iterator[tuple[int, int, float]]:
    """(offset, target, weight) for each piece of a kept part of an annotated word."""
    parts = np.asarray(segment.piece_words)
    counts = np.bincount(parts[parts >= 0], minlength=1)
    for offset, part in enumerate(segment.piece_words):
        if part not in segment.keep:
            continue
        target = target_of.get((segment.sentence, word_of_part[part]))
        if target is not None:
            yield offset, target, 1.0 / float(counts[part])


def epoch_batches(examples: Sequence[Example], size: int, seed: int, epoch: int) -> list[list[int]]:
    """Example numbers of each batch of an epoch: a shuffle fixed by (seed, epoch), so a
    resumed run meets the same batches; within runs of 50 batches, similar lengths go
    together (less padding), and those batches are shuffled again."""
    generator = np.random.default_rng([seed, epoch])
    order = generator.permutation(len(examples)).tolist()
    span = size * 50
    batches: list[list[int]] = []
    for begin in range(0, len(order), span):
        run = sorted(order[begin : begin + span], key=lambda n: len(examples[n].words))
        chunk = [run[i : i + size] for i in range(0, len(run), size)]
        batches.extend(chunk[i] for i in generator.permutation(len(chunk)))
    return batches
