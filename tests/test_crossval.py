"""``wsd-service crossval``: folds of documents, the cache, the held-out tag counts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from wsd_service._engine.build.raganato import read_corpus
from wsd_service._engine.dev.crossval import document_folds

from .conftest import TINY_SENTENCES
from .corpora import write_corpus


def test_folds_deal_whole_documents(tmp_path: Path) -> None:
    corpus = read_corpus(write_corpus(tmp_path / "c", TINY_SENTENCES, per_document=1))
    folds = document_folds(corpus, 2)
    assert folds == [{0, 2}, {1, 3}]  # documents d000..d003 dealt in turn, never split


def test_crossval_scores_folds_and_a_dev_set_and_reuses_its_cache(tmp_path: Path) -> None:
    prefix = write_corpus(tmp_path / "c", TINY_SENTENCES, per_document=1)
    command = [
        sys.executable, "-m", "wsd_service", "crossval", str(prefix), "--dev", str(prefix),
        "--folds", "2", "--cache", str(tmp_path / "cache"), "--json", "--quiet",
        "--lemmas", "bank,deposit,river",
    ]  # fmt: skip
    first = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True)
    result = json.loads(first.stdout)
    assert len(result["fold_f1"]) == 2 and all(0 <= f <= 100 for f in result["fold_f1"])
    assert set(result["folds"]["ALL"]) == {"mean", "std", "min", "max"}
    # Every sense of the dev set's own lemmas was seen in training: bank's two senses are told apart.
    assert result["dev"]["c"]["ALL"] == 100.0
    cached = sorted(p.name.split("-")[0] for p in (tmp_path / "cache").iterdir())
    assert cached == ["examples", "glosses", "occurrences"]
    again = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True)
    assert json.loads(again.stdout) == result and "encoding" not in again.stderr
