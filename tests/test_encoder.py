from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from wsd_service import Encoder, EncoderConfig, InputError, WsdError
from wsd_service._engine.encoding.windows import plan_windows


def test_one_unit_vector_per_word(encoder: Encoder) -> None:
    [matrix] = encoder.encode([["The", "unbelievably", "long", "river", "bank"]])
    assert matrix.shape == (5, encoder.dimension)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)


def test_context_changes_the_vector(encoder: Encoder) -> None:
    money, river = encoder.encode(
        [
            "I deposited money at the bank".split(),
            "We sat on the grassy river bank".split(),
        ]
    )
    assert float(money[-1] @ river[-1]) < 0.95
    again = encoder.encode(["I deposited money at the bank".split()])[0]
    assert np.allclose(again, money, atol=1e-4)  # batching does not change results


def test_token_budget_splits_batches_without_changing_vectors(encoder: Encoder) -> None:
    sentences = [["short"], "a somewhat longer sentence about the river bank".split(), ["bank", "loan"]]
    budgeted = Encoder(EncoderConfig(batch_tokens=12))
    segments = sorted(budgeted._plan(sentences).segments, key=lambda s: len(s.input_ids))
    # 3 and 4 pieces fit in 12 together; the 10-piece window would make 3 x 10 > 12
    assert [[len(s.input_ids) for s in b] for b in budgeted._batches(segments)] == [[3, 4], [10]]
    # Within the default budgets, padding the 3- and 4-piece windows to 10 would waste too much
    assert [[len(s.input_ids) for s in b] for b in encoder._batches(segments)] == [[3, 4], [10]]
    loose = Encoder(EncoderConfig(max_padding=10.0))
    assert [[len(s.input_ids) for s in b] for b in loose._batches(segments)] == [[3, 4, 10]]
    for left, right in zip(budgeted.encode(sentences), encoder.encode(sentences), strict=True):
        assert np.allclose(left, right, atol=1e-4)


def test_multiword_token_is_the_mean_of_its_words(encoder: Encoder) -> None:
    [joined] = encoder.encode([["It", "took place", "today"]])
    [split] = encoder.encode([["It", "took", "place", "today"]])  # the same pieces, the same context
    assert joined.shape == (3, 384)
    # The joined word is the (normalised) sum of its parts' pooled states: a positive
    # combination of the two part vectors, and nothing else.
    parts = split[1:3].T
    weights, *_ = np.linalg.lstsq(parts, joined[1], rcond=None)
    assert np.all(weights > 0.3) and np.allclose(parts @ weights, joined[1], atol=1e-5)
    assert np.allclose(joined[[0, 2]], split[[0, 3]], atol=1e-5)


def test_words_the_tokenizer_drops_still_get_vectors(encoder: Encoder) -> None:
    [matrix] = encoder.encode([["a", "\u200b", "\x07", "b"]])
    assert matrix.shape[0] == 4
    assert np.all(np.isfinite(matrix))


def test_long_sentences_are_windowed_not_truncated() -> None:
    small = Encoder(EncoderConfig(max_length=16))
    words = [f"word{i}" for i in range(60)]
    [matrix] = small.encode([words])
    assert matrix.shape[0] == 60
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("limit", [3, 8, 50])
def test_window_plan_keeps_every_word_once(limit: int) -> None:
    pieces = [1, 3, 2, 1, 1, 4, 2, 2, 1, 3] * 5
    windows = plan_windows([min(p, limit) for p in pieces], limit)
    kept = [w for window in windows for w in range(window.keep_start, window.keep_end)]
    assert kept == list(range(len(pieces)))
    for window in windows:
        assert window.start <= window.keep_start < window.keep_end <= window.end
        assert sum(min(p, limit) for p in pieces[window.start : window.end]) <= limit


def test_bad_input_and_config(encoder: Encoder) -> None:
    with pytest.raises(InputError, match="sentence 1 has no words"):
        encoder.encode([["ok"], []])
    with pytest.raises(WsdError, match="layer 9 out of range"):
        Encoder(EncoderConfig(layers=(9,)))


def test_loading_the_encoder_leaves_the_environment_alone() -> None:
    probe = (
        "import os; from wsd_service import Encoder; Encoder(); "
        "print([k for k in ('HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE') if k in os.environ])"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert run.stdout.strip() == "[]"
