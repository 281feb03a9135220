"""The accuracy levers on tiny real indexes: relation enhancement, kNN occurrences, try-again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from wsd_service import BuildConfig, Disambiguator, Encoder, Inventory
from wsd_service._core.arrays import Vector
from wsd_service._core.config import CORPUS_DEFAULTS, WORDNET_ONLY_DEFAULTS, VectorOptions
from wsd_service._core.documents import Document
from wsd_service._engine.query.rank import Ranker
from wsd_service._engine.store.sense_index import load_index
from wsd_service._tools.build_index import _build_config
from wsd_service.build import IndexBuilder
from wsd_service.cli import build_parser

from .corpora import TINY_LEMMAS
from .reference_ranking import engine_ranking, reference_ranking

DOG = "dog%1:05:00::"  # hypernyms: canine (02083346-n) and domestic animal (01317541-n)
DOG_FAMILY = frozenset({"dog", "canine", "domestic_animal"})
BANK = ("bank", "NOUN")


def build(out: Path, encoder: Encoder, inventory: Inventory, config: BuildConfig) -> Disambiguator:
    IndexBuilder(encoder, inventory, replace(config, vector_storage="fp32", progress=False)).build(out)
    return Disambiguator.load(out, encoder=encoder)


def row(engine: Disambiguator, key: str) -> Vector:
    number = engine.pipeline.index.row_number(key)
    assert number is not None
    vector: Vector = engine.pipeline.index.vectors(number, number + 1)[0]
    return vector


def synset_mean(engine: Disambiguator, synset_id: str) -> Vector:
    rows = [r for r in engine.pipeline.index.rows if r.synset_id == synset_id]
    assert rows
    return np.asarray(np.mean([row(engine, r.key) for r in rows], axis=0), dtype=np.float32)


@pytest.mark.slow
def test_a_relation_enhanced_gloss_vector_is_the_plain_one_plus_its_related_synsets_mean(
    tmp_path: Path, encoder: Encoder, inventory: Inventory
) -> None:
    plain_config = BuildConfig(
        lemmas=DOG_FAMILY, use_examples=False, context_relations=(), gloss_relations=()
    )
    plain = build(tmp_path / "plain", encoder, inventory, plain_config)
    enhanced = build(
        tmp_path / "enhanced", encoder, inventory, replace(plain_config, gloss_relations=(("hypernym", 0.5),))
    )
    half = encoder.dimension
    hypernyms = (synset_mean(plain, "02083346-n") + synset_mean(plain, "01317541-n")) / 2
    expected = row(plain, DOG)[half:] + 0.5 * hypernyms[half:]
    expected /= np.linalg.norm(expected)
    np.testing.assert_allclose(row(enhanced, DOG)[half:], expected, atol=1e-5)
    np.testing.assert_array_equal(row(enhanced, DOG)[:half], row(plain, DOG)[:half])  # context half kept
    assert enhanced.pipeline.index.manifest.build["options"]["gloss_relations"] == {"hypernym": 0.5}


@pytest.mark.slow
def test_context_relations_leave_corpus_centroids_alone(
    tmp_path: Path, encoder: Encoder, inventory: Inventory, tiny_corpus: Path
) -> None:
    config = BuildConfig(
        corpora=(tiny_corpus,),
        lemmas=TINY_LEMMAS,
        use_examples=False,
        context_relations=(),
        gloss_relations=(),
    )
    plain = build(tmp_path / "plain", encoder, inventory, config)
    weights = (("hypernym", 1.0), ("hyponym", 1.0), ("similar", 1.0))
    enhanced = build(tmp_path / "enhanced", encoder, inventory, replace(config, context_relations=weights))
    half = encoder.dimension
    changed = {
        r.source: not np.allclose(row(plain, r.key)[:half], row(enhanced, r.key)[:half], atol=1e-6)
        for r in plain.pipeline.index.rows
        if r.source in ("corpus", "propagated")
    }
    assert changed == {"corpus": False, "propagated": True}


def test_knn_adds_the_similarity_to_the_nearest_occurrence(encoder: Encoder, tiny_index: Path) -> None:
    engine = Disambiguator.load(tiny_index, encoder=encoder)
    assert engine.pipeline.index.occurrences is not None
    assert (
        len(engine.pipeline.index.occurrences) == 6
    )  # the tiny corpus's annotated occurrences of TINY_LEMMAS
    sentence = "She deposited the cheque at the bank ."  # a corpus sentence: its own occurrence
    words = sentence.split()
    vector = encoder.encode([words])[0][words.index("bank")]
    first_pass = replace(engine.pipeline.scoring, try_again_weight=0.0)
    on, off = (
        dict(
            engine_ranking(
                Ranker(engine.pipeline.index, replace(first_pass, occurrence_weight=w)), vector, [BANK]
            )
        )
        for w in (0.5, 0.0)
    )
    assert on["bank%1:14:00::"] - off["bank%1:14:00::"] == pytest.approx(0.5, abs=1e-4)
    for sense_row in engine.pipeline.index.rows:
        if sense_row.lemma == "bank" and sense_row.pos == "NOUN" and sense_row.source != "corpus":
            context = row(engine, sense_row.key)[: encoder.dimension] @ vector  # stands in for occurrences
            assert on[sense_row.key] - off[sense_row.key] == pytest.approx(0.5 * context, abs=1e-4)


def test_an_index_built_without_occurrences_loads_and_scores_without_knn(
    tmp_path: Path, encoder: Encoder, inventory: Inventory, tiny_corpus: Path
) -> None:
    config = BuildConfig(corpora=(tiny_corpus,), lemmas=TINY_LEMMAS, keep_occurrences=False)
    engine = build(tmp_path / "index", encoder, inventory, config)
    assert engine.pipeline.index.occurrences is None
    assert "occurrences.npy" not in load_index(tmp_path / "index").manifest.files
    assert engine.disambiguate("I went to the bank and withdrew some cash.")


SENTENCES = [
    "The dog chased the cat across the garden .",
    "He was a lucky dog to win the prize .",
    "They sat on the bank of the river and fished .",
    "The bank raised its interest rates again .",
    "We deposit our savings every month .",
    "The earth shook during the storm .",
]


def test_try_again_changes_a_decision_only_between_the_top_two(
    encoder: Encoder, disambiguator: Disambiguator
) -> None:
    index, inventory = disambiguator.pipeline.index, disambiguator.pipeline.inventory
    plain = Ranker(index, replace(disambiguator.pipeline.scoring, try_again_weight=0.0))
    strong = Ranker(index, replace(disambiguator.pipeline.scoring, try_again_weight=100.0))
    swapped = 0
    for sentence in SENTENCES:
        words = sentence.split()
        for position, vector in enumerate(encoder.encode([words])[0]):
            candidates = [(lemma, "NOUN") for lemma in inventory.lemmatise(words[position], "NOUN")]
            candidates = [c for c in candidates if index.candidate_range(*c)]
            before, after = (
                engine_ranking(plain, vector, candidates),
                engine_ranking(strong, vector, candidates),
            )
            if len(before) < 2:
                continue
            assert [k for k, _ in after[2:]] == [k for k, _ in before[2:]]
            assert {k for k, _ in after[:2]} == {k for k, _ in before[:2]}
            swapped += after[0][0] != before[0][0]
    assert swapped  # the sentences do exercise a swap


@pytest.mark.parametrize("fixture", ["tiny_index", "wordnet_index"])
def test_array_ranking_agrees_with_the_obvious_one(
    fixture: str, request: pytest.FixtureRequest, encoder: Encoder, inventory: Inventory
) -> None:
    """Same order and scores within 1e-5, every candidate of every word of the sentences."""
    engine = Disambiguator.load(request.getfixturevalue(fixture), encoder=encoder)
    pipeline = engine.pipeline
    ranker = Ranker(pipeline.index, pipeline.scoring)
    compared = 0
    for sentence in SENTENCES:
        [prepared] = pipeline.disambiguation([Document(text=sentence)], 1, True).tokens
        [matrix] = encoder.encode([[token.text for token in prepared]])
        for token, vector in zip(prepared, matrix, strict=True):
            expected = reference_ranking(
                pipeline.index, inventory, pipeline.scoring, vector, token.candidates
            )
            found = engine_ranking(ranker, vector, token.candidates)
            assert [k for k, _ in found] == [k for k, _ in expected], token.text
            np.testing.assert_allclose([s for _, s in found], [s for _, s in expected], atol=1e-5)
            compared += len(found)
    assert compared > 20


def test_returned_scores_never_increase_down_the_list(disambiguator: Disambiguator) -> None:
    for sentence in SENTENCES:
        for target in disambiguator.disambiguate(sentence, top_k=100):
            scores = [sense.score for sense in target.senses]
            assert scores == sorted(scores, reverse=True), target.text


# Each kind of index has defaults of its own (the folds chose them): WordNet's tag counts weigh
# more where no corpus lends its occurrences.
@pytest.mark.parametrize(
    ("corpus", "defaults", "prior"), [(False, WORDNET_ONLY_DEFAULTS, 0.2), (True, CORPUS_DEFAULTS, 0.05)]
)
def test_build_index_gives_each_kind_of_index_its_own_defaults(
    corpus: bool, defaults: VectorOptions, prior: float, tiny_corpus: Path
) -> None:
    given = ["--corpus", str(tiny_corpus)] if corpus else []
    config = _build_config(build_parser().parse_args(["build-index", "--lemmas", "bank", *given]))
    assert config.options() == defaults and config.options().scoring.prior_weight == prior
    # The library's builder, told nothing, completes the same way as the command line.
    assert BuildConfig(corpora=config.corpora, lemmas=config.lemmas).options() == defaults
    # A scoring option given changes that option alone.
    args = build_parser().parse_args(["build-index", "--try-again-weight", "0.5", *given])
    assert _build_config(args).options().scoring == replace(defaults.scoring, try_again_weight=0.5)


@pytest.mark.parametrize(
    ("fixture", "defaults", "prior"),
    [("wordnet_index", WORDNET_ONLY_DEFAULTS, 0.2), ("tiny_index", CORPUS_DEFAULTS, 0.05)],
)
def test_each_kind_of_index_is_built_and_served_with_its_own_defaults(
    fixture: str, defaults: VectorOptions, prior: float, request: pytest.FixtureRequest, encoder: Encoder
) -> None:
    index = request.getfixturevalue(fixture)
    manifest = load_index(index).manifest
    assert manifest.scoring_config() == defaults.scoring and manifest.scoring["prior_weight"] == prior
    options = manifest.build["options"]
    relations = (dict(defaults.context_relations), dict(defaults.gloss_relations))
    assert (options["context_relations"], options["gloss_relations"]) == relations
    assert Disambiguator.load(index, encoder=encoder).pipeline.scoring == defaults.scoring
