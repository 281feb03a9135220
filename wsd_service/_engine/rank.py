"""Ranking: each target's contextual vector against its candidates' sense vectors, plus a
frequency prior. Cheap next to encoding, so scoring weights can be re-tuned on encoded corpora."""

from __future__ import annotations

import math

import numpy as np

from .._core.config import ScoringConfig
from .._core.documents import SenseScore, TargetResult, Vector
from .._core.sense import SenseRow, lemma_key
from .index import SenseIndex
from .inventory import Inventory
from .neighbourhood import Neighbourhoods
from .prepare import PreparedToken

# Candidate rows with their scores.
Hits = list[tuple[SenseRow, float]]


class Ranker:
    def __init__(self, index: SenseIndex, inventory: Inventory, scoring: ScoringConfig) -> None:
        self._index = index
        self._inventory = inventory
        self.scoring = scoring
        self._neighbourhoods = Neighbourhoods(index, inventory)

    def rank(
        self, tokens: list[PreparedToken], matrix: Vector, top_k: int, include_glosses: bool = True
    ) -> list[TargetResult]:
        """The ranked senses of every target token of one document (``matrix``: its vectors)."""
        results = []
        for position, (token, vector) in enumerate(zip(tokens, matrix, strict=True)):
            if not token.target:
                continue
            scored = self.score(vector, token.candidates)
            lemma, pos = token.candidates[0] if token.candidates else (lemma_key(token.text), "")
            if scored:
                lemma, pos = scored[0][0].lemma, scored[0][0].pos
            senses = [
                sense_score(self._inventory, row, score, include_glosses) for row, score in scored[:top_k]
            ]
            results.append(TargetResult(position, token.text, lemma, pos, token.start, token.end, senses))
        return results

    def score(self, vector: Vector, candidates: list[tuple[str, str]]) -> Hits:
        """Every candidate row with its score, best first.

        Rows are [context ; gloss] and the query [v ; gloss_weight * v], so a score is
        cos(v, context) + gloss_weight * cos(v, gloss), as in LMMS' concatenated sense vectors.
        """
        query = np.concatenate([vector, self.scoring.gloss_weight * vector]).astype(np.float32)
        found = [hit for lemma, pos in candidates for hit in self._index.search(query, lemma, pos)]
        if self._index.occurrences is not None and self.scoring.occurrence_weight:
            found = self._with_occurrences(vector, found)
        if self.scoring.prior_weight:
            found = self._with_prior(found)
        ranked = sorted(found, key=lambda hit: -hit[1])
        return self._try_again(vector, ranked) if self.scoring.try_again_weight else ranked

    def _try_again(self, vector: Vector, ranked: Hits) -> Hits:
        """Compares the top two once more (after SREF's try-again), each with weight * the
        word's similarity to its sense's WordNet neighbourhood added; only their order can
        change, and they keep their first-pass scores."""
        if len(ranked) < 2:
            return ranked
        query = np.concatenate([vector, vector])
        again = [
            score + self.scoring.try_again_weight * self._closeness(row, query) for row, score in ranked[:2]
        ]
        return [ranked[1], ranked[0], *ranked[2:]] if again[1] > again[0] else ranked

    def _closeness(self, row: SenseRow, query: Vector) -> float:
        neighbourhood = self._neighbourhoods.of(row)
        return 0.0 if neighbourhood is None else float(neighbourhood @ query)

    def _with_occurrences(self, vector: Vector, found: Hits) -> Hits:
        """Adds weight * the word's similarity to the sense's nearest corpus occurrences, or to
        its context vector when the corpus has none (so every candidate gets the term)."""
        index, weight, k = self._index, self.scoring.occurrence_weight, self.scoring.occurrence_k
        assert index.occurrences is not None  # checked by the caller
        rescored = []
        for row, score in found:
            near = index.occurrences.nearest(row.key, vector, k)
            if near is None:
                number = index.row_number(row.key)
                assert number is not None  # found in this index
                near = float(index.vectors(number, number + 1)[0, : len(vector)] @ vector)
            rescored.append((row, score + weight * near))
        return rescored

    def _with_prior(self, found: Hits) -> Hits:
        """Adds weight * log of the sense's smoothed share of its lemma's occurrences."""
        totals: dict[tuple[str, str], tuple[int, int]] = {}
        for row, _ in found:
            count, senses = totals.get((row.lemma, row.pos), (0, 0))
            totals[(row.lemma, row.pos)] = (count + row.count, senses + 1)
        weight = self.scoring.prior_weight
        rescored = []
        for row, score in found:
            count, senses = totals[(row.lemma, row.pos)]
            rescored.append((row, score + weight * math.log((row.count + 1) / (count + senses))))
        return rescored


def sense_score(inventory: Inventory, row: SenseRow, score: float, include_gloss: bool) -> SenseScore:
    """A ranked row as the API answers it (the gloss looked up only when asked for)."""
    sense = inventory.by_key(row.key) if include_gloss else None
    return SenseScore(row.key, row.synset_id, round(score, 6), sense.gloss if sense else "", row.source)
