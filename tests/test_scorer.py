from __future__ import annotations

import pytest

from wsd_service.evaluation import score


def test_precision_recall_f1_as_the_framework_scorer() -> None:
    gold = {"a": ("k1",), "b": ("k2", "k3"), "c": ("k4",), "d": ("k5",)}
    predictions = {"a": "k1", "b": "k3", "c": "wrong"}  # d unanswered
    report = score(gold, predictions, {"a": "NOUN", "b": "VERB", "c": "NOUN", "d": "ADJ"})
    overall = report.overall
    assert (overall.instances, overall.answered, overall.correct) == (4, 3, 2)
    assert overall.precision == pytest.approx(200 / 3)
    assert overall.recall == pytest.approx(50.0)
    assert overall.f1 == pytest.approx(2 * (200 / 3) * 50 / (200 / 3 + 50))
    assert overall.coverage == pytest.approx(75.0)
    assert report.by_pos["NOUN"].correct == 1
    assert report.by_pos["ADJ"].answered == 0
    assert report.by_pos["ADJ"].f1 == 0.0


def test_empty_gold_scores_zero() -> None:
    assert score({}, {}, {}).overall.f1 == 0.0
