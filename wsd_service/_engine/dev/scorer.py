"""Precision, recall and F1 exactly as the unified framework's scorer computes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Score:
    """Counts and percentages; an answer is right when it is one of the instance's gold keys."""

    instances: int
    answered: int
    correct: int

    @property
    def precision(self) -> float:
        return 100.0 * self.correct / self.answered if self.answered else 0.0

    @property
    def recall(self) -> float:
        return 100.0 * self.correct / self.instances if self.instances else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def coverage(self) -> float:
        return 100.0 * self.answered / self.instances if self.instances else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 2),
            "recall": round(self.recall, 2),
            "f1": round(self.f1, 2),
            "coverage": round(self.coverage, 2),
            "instances": self.instances,
        }


@dataclass(frozen=True, slots=True)
class Report:
    overall: Score
    by_pos: dict[str, Score] = field(default_factory=dict)


def score(
    gold: Mapping[str, tuple[str, ...]],
    predictions: Mapping[str, str],
    pos_of: Mapping[str, str],
) -> Report:
    """Score predictions (instance id -> one sense key) against gold keys."""
    tallies: dict[str, list[int]] = {}
    for instance, keys in gold.items():
        answer = predictions.get(instance)
        for group in ("ALL", pos_of.get(instance, "X")):
            tally = tallies.setdefault(group, [0, 0, 0])
            tally[0] += 1
            tally[1] += answer is not None
            tally[2] += answer in keys
    scores = {group: Score(*tally) for group, tally in tallies.items()}
    overall = scores.pop("ALL", Score(0, 0, 0))
    return Report(overall, dict(sorted(scores.items())))
