"""``wsd-service crossval``: folds of documents, the cache, the held-out tag counts."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from wsd_service import BuildConfig, Disambiguator, Encoder, Inventory
from wsd_service._engine.build.raganato import read_corpus
from wsd_service._engine.dev import crossval
from wsd_service._engine.dev.crossval import CrossValidation, Encoded, Material, document_folds
from wsd_service._engine.dev.evaluate import Evaluation

from .conftest import TINY_SENTENCES
from .corpora import write_corpus


def test_folds_deal_whole_documents(tmp_path: Path) -> None:
    corpus = read_corpus(write_corpus(tmp_path / "c", TINY_SENTENCES, per_document=1))
    folds = document_folds(corpus, 2)
    assert folds == [{0, 2}, {1, 3}]  # documents d000..d003 dealt in turn, never split


@pytest.mark.slow
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


@pytest.fixture(scope="module")
def folded(
    tmp_path_factory: pytest.TempPathFactory, encoder: Encoder, inventory: Inventory
) -> tuple[Material, Encoded]:
    """The tiny corpus in four documents, encoded for cross-validation of its own lemmas."""
    directory = tmp_path_factory.mktemp("crossval")
    corpus = read_corpus(write_corpus(directory / "c", TINY_SENTENCES, per_document=1))
    lemmas = frozenset({"bank", "deposit", "river"})
    material = Material(encoder, inventory, directory / "cache", show=False, lemmas=lemmas)
    return material, material.corpus(corpus)


@pytest.mark.slow
@pytest.mark.parametrize("wordnet_only", [True, False])
def test_a_folds_prior_does_not_count_the_held_out_folds_own_gold_keys(
    folded: tuple[Material, Encoded], monkeypatch: pytest.MonkeyPatch, wordnet_only: bool
) -> None:
    material, training = folded
    folds = CrossValidation(material, training, 2, wordnet_only=wordnet_only)
    scored: list[Disambiguator] = []  # the engine each fold is scored with
    evaluate = crossval._evaluate

    def spy(engine: Disambiguator, *rest: Any) -> Evaluation:
        scored.append(engine)
        return evaluate(engine, *rest)

    monkeypatch.setattr(crossval, "_evaluate", spy)
    folds.fold(BuildConfig(), 0)
    corpus = training.corpus

    def gold(fold: set[int]) -> Counter[str]:
        instances = [t.instance_id for n in fold for t in corpus.sentences[n].tokens if t.instance_id]
        return Counter(key for instance in instances for key in corpus.gold[instance])

    held, trained = gold(folds.folds[0]), gold(folds.folds[1])
    tag_counts = {sense.key: sense.tag_count for sense in material.senses()}
    assert held and all(tag_counts[key] >= held[key] for key in held)  # WordNet counted them too
    # A row's count (the prior's) is WordNet's tag count less the held fold's own gold keys, plus
    # the training folds' occurrences where they lend them.
    [engine] = scored
    counts = {row.key: row.count for row in engine.pipeline.index.rows}
    expected = {
        key: tag_count - held[key] + (0 if wordnet_only else trained[key])
        for key, tag_count in tag_counts.items()
    }
    assert counts == expected
