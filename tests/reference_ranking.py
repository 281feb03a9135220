"""Ranking written the slow, obvious way, one candidate at a time and reading WordNet on the
spot: what the engine's array ranking must agree with (same order, scores within 1e-5)."""

from __future__ import annotations

import math

import numpy as np

from wsd_service import Inventory, ScoringConfig
from wsd_service._core.arrays import Vector
from wsd_service._core.config import RELATION_GROUPS, SEMANTIC_GROUPS
from wsd_service._core.sense import POS_TAGS
from wsd_service._engine.query.prepare import PreparedToken
from wsd_service._engine.query.rank import Ranker
from wsd_service._engine.store.sense_index import SenseIndex

_SYMBOLS = {s for group in SEMANTIC_GROUPS for s in RELATION_GROUPS[group]}
_TAG_OF = {letter: tag for tag, letter in POS_TAGS.items()}

Ranked = list[tuple[str, float]]  # (sense key, score), best first


def reference_ranking(
    index: SenseIndex,
    inventory: Inventory,
    scoring: ScoringConfig,
    vector: Vector,
    candidates: list[tuple[str, str]],
) -> Ranked:
    """Every candidate with the score it is ranked by, best first."""
    found = []
    for lemma, pos in candidates:
        start, end = index.candidate_range(lemma, pos) or (0, 0)
        for number in range(start, end):
            found.append((number, _first_pass(index, scoring, number, vector)))
    ranked = sorted(found, key=lambda hit: -hit[1])
    if scoring.try_again_weight and len(ranked) >= 2:
        again = [
            (n, s + scoring.try_again_weight * _closeness(index, inventory, n, vector)) for n, s in ranked[:2]
        ]
        ranked = sorted(again, key=lambda hit: -hit[1]) + ranked[2:]
    capped, ceiling = [], math.inf
    for number, score in ranked:
        ceiling = min(ceiling, score)
        capped.append((index.rows[number].key, ceiling))
    return capped


def _first_pass(index: SenseIndex, scoring: ScoringConfig, number: int, vector: Vector) -> float:
    row = index.vectors(number, number + 1)[0].astype(np.float64)
    half = len(vector)
    score = float(row[:half] @ vector + scoring.gloss_weight * row[half:] @ vector)
    if index.occurrences is not None and scoring.occurrence_weight:
        start, end = index.occurrences.span(index.rows[number].key)
        if end > start:
            occurrences = np.asarray(index.occurrences._matrix[start:end], dtype=np.float64)
            similarities = np.sort(occurrences @ vector)[-scoring.occurrence_k :]
            near = float(similarities.mean())
        else:
            near = float(row[:half] @ vector)
        score += scoring.occurrence_weight * near
    if scoring.prior_weight:
        this = index.rows[number]
        start, end = index.candidate_range(this.lemma, this.pos) or (0, 0)
        total = sum(index.rows[n].count for n in range(start, end))
        score += scoring.prior_weight * math.log((this.count + 1) / (total + end - start))
    return score


def _closeness(index: SenseIndex, inventory: Inventory, number: int, vector: Vector) -> float:
    """The word's similarity to the mean row of the senses of the synsets related to the sense's."""
    synset_id = index.rows[number].synset_id
    related = [
        n
        for symbol, offset, pos in inventory.pointers(synset_id)
        if symbol in _SYMBOLS
        for n in _synset_rows(index, inventory, f"{offset:08d}-{'a' if pos == 's' else pos}")
    ]
    if not related:
        return 0.0
    mean = np.mean([index.vectors(n, n + 1)[0] for n in related], axis=0).astype(np.float64)
    half = len(vector)
    context, gloss = mean[:half], mean[half:]
    folded = context / np.linalg.norm(context) + gloss / np.linalg.norm(gloss)
    # Kept at the precision the index stores its rows in, as the index keeps it.
    stored = folded.astype(index.neighbourhoods.vectors.dtype).astype(np.float64)
    return float(stored @ vector)


def _synset_rows(index: SenseIndex, inventory: Inventory, synset_id: str) -> list[int]:
    synset = inventory.synset(synset_id)
    return [
        number
        for word, _ in synset.words
        for sense in inventory.senses(word.lower(), _TAG_OF[synset.pos])
        if sense.synset_id == synset_id
        if (number := index.row_number(sense.key)) is not None
    ]


def engine_ranking(ranker: Ranker, vector: Vector, candidates: list[tuple[str, str]]) -> Ranked:
    """The engine's ranking of one target word with these candidates, every candidate returned."""
    spans = [span for pair in candidates if (span := ranker.index.candidate_range(*pair))]
    token = PreparedToken("word", None, None, candidates, spans, True)
    [[result]] = ranker.rank([[token]], [vector[None, :]], top_k=10_000, include_glosses=False)
    return [(sense.key, sense.score) for sense in result.senses]
