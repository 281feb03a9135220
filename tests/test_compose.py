"""The build's pieces without the encoder: sources make jobs, compose makes rows."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from wsd_service import Inventory
from wsd_service._core.arrays import Vector
from wsd_service._engine.build.compose import Propagation, compose
from wsd_service._engine.build.raganato import read_corpus
from wsd_service._engine.build.sources import EncodeJob, corpus_jobs, encode_jobs, gloss_jobs, known_keys
from wsd_service._engine.store.centroids import Centroids
from wsd_service._engine.store.occurrence_store import occurrence_key

from .corpora import write_corpus

DIMENSION = 4
MONEY = "bank%1:14:00::"  # depository financial institution
SLOPE = "bank%1:17:01::"  # sloping land
RIVER = "river%1:17:00::"


def unit(*values: float) -> Vector:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def sums(vectors: dict[str, list[Vector]]) -> Centroids:
    centroids = Centroids(DIMENSION)
    for key, found in vectors.items():
        for vector in found:
            centroids.add(key, vector)
    return centroids


def test_a_row_is_the_corpus_centroid_beside_the_gloss_vector(inventory: Inventory) -> None:
    senses = [s for s in inventory.senses("bank", "NOUN") if s.key in (MONEY, SLOPE)]
    corpus = sums({MONEY: [unit(1, 0, 0, 0), unit(0, 1, 0, 0)]})
    glosses = sums({MONEY: [unit(0, 0, 1, 0)], SLOPE: [unit(0, 0, 0, 1)]})
    composed = compose(senses, corpus, glosses, Centroids(DIMENSION), None)
    money, slope = (composed.rows.index(next(r for r in composed.rows if r.key == k)) for k in (MONEY, SLOPE))
    np.testing.assert_allclose(composed.matrix[money], [*unit(1, 1, 0, 0), 0, 0, 1, 0], atol=1e-6)
    # no occurrence, no example, no propagation: the gloss vector stands in for the context
    np.testing.assert_allclose(composed.matrix[slope], [0, 0, 0, 1, 0, 0, 0, 1], atol=1e-6)
    assert composed.sources == Counter({"corpus": 1, "gloss": 1})
    assert composed.rows[money].count == 2 + senses[money].tag_count


def test_examples_come_before_propagation_and_propagation_before_the_gloss(inventory: Inventory) -> None:
    senses = list(inventory.senses("bank", "NOUN"))
    slope_synset = next(s for s in senses if s.key == SLOPE).synset_id
    # the river sense's synset-mate is unseen: the synset has no other member, so it falls back
    # to the hypernym or lexname centroid (noun.object), which river%1:17:00:: feeds
    corpus = sums({RIVER: [unit(1, 1, 0, 0)]})
    examples = sums({MONEY: [unit(0, 1, 0, 0)]})
    glosses = sums({s.key: [unit(0, 0, 0, 1)] for s in senses})
    composed = compose(senses, corpus, glosses, examples, Propagation(inventory, corpus))
    by_key = {row.key: number for number, row in enumerate(composed.rows)}
    assert composed.rows[by_key[MONEY]].source == "gloss"  # examples are WordNet's gloss material
    np.testing.assert_allclose(composed.matrix[by_key[MONEY], :DIMENSION], unit(0, 1, 0, 0), atol=1e-6)
    assert composed.rows[by_key[SLOPE]].source == "propagated"
    assert composed.rows[by_key[SLOPE]].synset_id == slope_synset
    np.testing.assert_allclose(composed.matrix[by_key[SLOPE], :DIMENSION], unit(1, 1, 0, 0), atol=1e-6)


def test_a_sense_without_a_gloss_vector_is_a_bug_not_a_zero_row(inventory: Inventory) -> None:
    senses = [s for s in inventory.senses("bank", "NOUN") if s.key == MONEY]
    with pytest.raises(ValueError, match=MONEY):
        compose(senses, Centroids(DIMENSION), Centroids(DIMENSION), Centroids(DIMENSION), None)


def test_gloss_jobs_keep_each_member_lemma_and_the_texts_mean(inventory: Inventory) -> None:
    [job] = [j for j in gloss_jobs(list(inventory.senses("bank", "NOUN"))) if (SLOPE, 0) in j.targets]
    assert job.with_mean and job.words[:2] == ("bank", ":")
    matrix = np.stack([unit(1, 0, 0, 0), unit(0, 1, 0, 0), unit(0, 0, 1, 0)] + [unit(0, 0, 0, 1)] * 5)
    [(key, vector)] = job.vectors(matrix[: len(job.words)])
    assert key == SLOPE
    assert float(vector @ matrix[0]) > float(vector @ matrix[1]) > 0  # the lemma, then the mean


def test_corpus_jobs_keep_known_keys_of_selected_lemmas(tmp_path: Path, inventory: Inventory) -> None:
    prefix = write_corpus(
        tmp_path / "c",
        [
            ("The bank of the river .", {"bank": SLOPE, "river": RIVER}),
            ("A river .", {"river": RIVER}),
            ("The bank .", {"bank": "bank%1:99:99::"}),
        ],
    )
    corpus = read_corpus(prefix)
    unknown: Counter[str] = Counter()
    jobs = corpus_jobs(corpus, known_keys(corpus, inventory, unknown), {"bank"})
    words = ("The", "bank", "of", "the", "river", ".")
    assert jobs == [EncodeJob(words, ((occurrence_key(SLOPE, "d000.s000.t001"), 1),))]
    assert unknown == Counter({"bank%1:99:99::": 1})


def test_encode_jobs_sums_the_kept_vectors_whatever_the_chunking() -> None:
    jobs = [EncodeJob(tuple("w" * n), (("k", 0), ("k", n - 1))) for n in (3, 1, 2)]

    def encode(batch: list[list[str]]) -> list[Vector]:
        return [np.full((len(words), DIMENSION), len(words), dtype=np.float32) for words in batch]

    for chunk in (1, 2, 5):
        result = encode_jobs(jobs, encode, DIMENSION, chunk, "test", False)
        assert result.count("k") == 6
        centroid = result.centroid("k")
        assert centroid is not None
        np.testing.assert_allclose(centroid, unit(1, 1, 1, 1), atol=1e-6)
