"""Ranking: each target's contextual vector against its candidates' sense vectors, as array work
over a whole batch of documents.

A candidate's first-pass score is

    cos(v, context) + gloss_weight * cos(v, gloss)                 (rows [context ; gloss])
    + occurrence_weight * mean cos(v, its k nearest occurrences)   (its context when it has none)
    + prior_weight * log((count + 1) / (lemma's counts + lemma's senses)).

Try-again (after SREF) then compares the top two once more, each with try_again_weight *
cos-sum(v, its synset's WordNet neighbourhood) added: only their order can change. The score
answered is the one a sense was ranked by: the top two's try-again scores, then first-pass
scores, capped so that scores never increase down the list (a later first-pass score can only
exceed the second's try-again score when its neighbourhood is dissimilar to the word).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..._core.arrays import Numbers, Vector
from ..._core.config import ScoringConfig
from ..._core.documents import SenseScore, TargetResult
from ..._core.sense import lemma_key
from ..store.sense_index import SenseIndex
from .prepare import PreparedToken, candidate_rows

Scores = npt.NDArray[np.float64]

_DOCUMENTS_AT_ONCE = 64  # a served batch's most (BatcherConfig.max_batch_sentences' default)


@dataclass(frozen=True, slots=True)
class _Targets:
    """Every target of a batch, flattened: target t's candidates are rows[bounds[t]:bounds[t+1]]."""

    tokens: list[tuple[int, int, PreparedToken]]  # (document, position, token)
    vectors: Vector
    rows: Numbers
    bounds: Numbers
    owners: Numbers  # the target of each candidate row


class Ranker:
    def __init__(self, index: SenseIndex, scoring: ScoringConfig) -> None:
        self.index = index
        self.scoring = scoring

    def rank(
        self,
        documents: Sequence[list[PreparedToken]],
        matrices: Sequence[Vector],
        top_k: int,
        include_glosses: bool = True,
    ) -> list[list[TargetResult]]:
        """The ranked senses of every target of each document (``matrices``: their vectors),
        a chunk of documents at a time: a corpus's candidate rows never all sit in memory."""
        results: list[list[TargetResult]] = []
        for start in range(0, len(documents), _DOCUMENTS_AT_ONCE):
            chunk = slice(start, start + _DOCUMENTS_AT_ONCE)
            results += self._rank_chunk(documents[chunk], matrices[chunk], top_k, include_glosses)
        return results

    def _rank_chunk(
        self,
        documents: Sequence[list[PreparedToken]],
        matrices: Sequence[Vector],
        top_k: int,
        include_glosses: bool,
    ) -> list[list[TargetResult]]:
        targets = self._targets(documents, matrices)
        scores = self._scores(targets)
        # Candidates by target, best first (stable: equal scores keep the index's order).
        order: Numbers = np.lexsort((-scores, targets.owners))
        if self.scoring.try_again_weight:
            scores = self._try_again(targets, scores, order)
        return self._answers(targets, scores, order, len(documents), top_k, include_glosses)

    def _answers(
        self,
        targets: _Targets,
        scores: Scores,
        order: Numbers,
        documents: int,
        top_k: int,
        include_glosses: bool,
    ) -> list[list[TargetResult]]:
        """Each target's ``top_k`` best rows with the scores shown for them, by document."""
        counts = np.minimum(np.diff(targets.bounds), top_k)
        firsts = np.repeat(targets.bounds[:-1], counts)
        places = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        chosen = order[firsts + places]
        shown = scores[chosen]
        for place in range(1, top_k):  # never rising down a list
            later = np.flatnonzero(places == place)
            if not len(later):
                break
            shown[later] = np.minimum(shown[later], shown[later - 1])
        rows = targets.rows[chosen].tolist()
        senses = sense_scores(self.index, rows, shown.tolist(), include_glosses)
        results: list[list[TargetResult]] = [[] for _ in range(documents)]
        start = 0
        for (document, position, token), count in zip(targets.tokens, counts.tolist(), strict=True):
            best = rows[start : start + 1]
            results[document].append(self._result(position, token, best, senses[start : start + count]))
            start += count
        return results

    def _targets(self, documents: Sequence[list[PreparedToken]], matrices: Sequence[Vector]) -> _Targets:
        positions = [[p for p, token in enumerate(prepared) if token.target] for prepared in documents]
        tokens = [(d, p, documents[d][p]) for d, chosen in enumerate(positions) for p in chosen]
        dimension = matrices[0].shape[1] if len(matrices) else 0
        vectors = np.concatenate(
            [np.zeros((0, dimension), np.float32)]
            + [matrix[chosen] for matrix, chosen in zip(matrices, positions, strict=True)]
        )
        rows, counts = candidate_rows([token for _, _, token in tokens])
        return _Targets(
            tokens, vectors, rows, np.cumsum([0, *counts.tolist()]), np.repeat(np.arange(len(tokens)), counts)
        )

    def _scores(self, targets: _Targets) -> Scores:
        """Every candidate row's first-pass score."""
        words = targets.vectors[targets.owners]
        contexts, glosses = self.index.halves_at(targets.rows)
        # Each half once, the word's vector not copied per half: a row is read one time.
        context = np.einsum("ij,ij->i", contexts, words)
        gloss = np.einsum("ij,ij->i", glosses, words)
        scores: Scores = (context + self.scoring.gloss_weight * gloss).astype(np.float64)
        if self.index.occurrences is not None and self.scoring.occurrence_weight:
            scores += self.scoring.occurrence_weight * self._nearest_occurrences(targets, context)
        if self.scoring.prior_weight:
            scores += self.scoring.prior_weight * self.index.log_shares[targets.rows]
        return scores

    def _nearest_occurrences(self, targets: _Targets, context: Vector) -> Scores:
        """Each candidate's similarity to its nearest corpus occurrences, or to its context
        vector when the corpus has none (so every candidate gets the term)."""
        occurrences = self.index.occurrences
        assert occurrences is not None  # checked by the caller
        spans = self.index.occurrence_spans[targets.rows]
        near = occurrences.nearest(spans, targets.owners, targets.vectors, self.scoring.occurrence_k)
        return np.where(np.isnan(near), context, near)

    def _try_again(self, targets: _Targets, scores: Scores, order: Numbers) -> Scores:
        """Scores with the top two of each target rescored against their neighbourhoods, and
        ``order`` with the two swapped where the second now wins."""
        heads = targets.bounds[:-1][np.diff(targets.bounds) >= 2]
        if not len(heads):
            return scores
        firsts, seconds = order[heads], order[heads + 1]
        tops = np.concatenate([firsts, seconds])
        words = targets.vectors[targets.owners[tops]]
        closeness = self.index.neighbourhoods.closeness(targets.rows[tops], words)
        again = scores.copy()
        again[tops] += self.scoring.try_again_weight * closeness
        swap = again[seconds] > again[firsts]
        order[heads[swap]], order[heads[swap] + 1] = seconds[swap], firsts[swap]
        return again

    def _result(
        self, position: int, token: PreparedToken, best: list[int], senses: list[SenseScore]
    ) -> TargetResult:
        """A target's answer; its lemma and POS are the best sense's (else its first candidate's)."""
        lemma, pos = token.candidates[0] if token.candidates else (lemma_key(token.text), "")
        if best:
            lemma, pos = self.index.rows.lemma_pos(best[0])
        return TargetResult(position, token.text, lemma, pos, token.start, token.end, senses)


def sense_scores(
    index: SenseIndex, numbers: list[int], scores: list[float], include_glosses: bool
) -> list[SenseScore]:
    """Ranked rows as the API answers them (glosses read only when asked for)."""
    rows = index.rows
    glosses = index.glosses.texts(numbers) if include_glosses else [""] * len(scores)
    return [
        SenseScore(rows.key(number), rows.synset_id(number), round(score, 6), gloss, rows.source(number))
        for number, score, gloss in zip(numbers, scores, glosses, strict=True)
    ]
