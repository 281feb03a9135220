"""The steps of every request, written once and free of I/O: check the options, prepare the
documents, bound the answer's size, then, once a driver has encoded ``words``, rank, search or
assemble the vectors.

A driver owns the encoding: the local engine calls the encoder in the caller's thread, the
server queues the words on its micro-batcher under admission and deadlines, evaluation may hand
in vectors it encoded earlier. ``Pending*.run(encode)`` is the whole request for a driver that
encodes synchronously.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..._core.arrays import Vector
from ..._core.config import LimitsConfig, NearestConfig, ScoringConfig
from ..._core.documents import Document, Embedding, SenseInfo, TargetResult, WordVector
from ..._core.errors import InputError, LimitExceededError, NotFoundError, SenseIndexError, shown
from ..._core.manifest import Manifest
from ..._core.sense import POS_TAGS, lemma_key
from ..encoding.encoder import Encoder
from ..lexicon.inventory import Inventory
from ..store.sense_index import SenseIndex
from .answer_size import (
    check_answer,
    disambiguation_bytes,
    embedding_bytes,
    results_bytes,
    widest_sense_bytes,
    widest_senses_bytes,
)
from .nearest_senses import NearestSenses
from .prepare import PreparedToken, Preparer, words_of
from .rank import Ranker

Encode = Callable[[list[list[str]]], Sequence[Vector]]  # words of each document -> their vectors

_UNLIMITED = 2**62
_REDUCE_RANKED = "send fewer targets or documents, a smaller top_k, or include_glosses=false"
_REDUCE_NEAREST = "send fewer target words, a smaller top_k, or include_glosses=false"


@dataclass(frozen=True, slots=True)
class PendingDisambiguation:
    """Prepared documents waiting for their vectors; ``finish`` ranks every target's senses."""

    tokens: list[list[PreparedToken]]
    top_k: int
    include_glosses: bool
    ranker: Ranker

    @property
    def words(self) -> list[list[str]]:
        return words_of(self.tokens)

    def finish(self, vectors: Sequence[Vector]) -> list[list[TargetResult]]:
        return self.ranker.rank(self.tokens, list(vectors), self.top_k, self.include_glosses)

    def run(self, encode: Encode) -> list[list[TargetResult]]:
        return self.finish(encode(self.words))


def finish_together(
    calls: Sequence[tuple[PendingDisambiguation, Sequence[Vector]]],
) -> list[list[list[TargetResult]]]:
    """Each call's ``finish``, the calls ranked in one pass where they share ranker and options:
    most of a small call's ranking is the pass's fixed cost (BENCHMARKS.md, ranking), and the
    results are the same either way (each target is scored on its own)."""
    results: list[list[list[TargetResult]]] = [[] for _ in calls]
    groups: dict[tuple[int, int, bool], list[int]] = {}
    for number, (pending, _) in enumerate(calls):
        groups.setdefault((id(pending.ranker), pending.top_k, pending.include_glosses), []).append(number)
    for numbers in groups.values():
        first = calls[numbers[0]][0]
        documents = [document for n in numbers for document in calls[n][0].tokens]
        matrices = [matrix for n in numbers for matrix in calls[n][1]]
        ranked = first.ranker.rank(documents, matrices, first.top_k, first.include_glosses)
        start = 0
        for n in numbers:
            results[n] = ranked[start : start + len(calls[n][0].tokens)]
            start += len(calls[n][0].tokens)
    return results


@dataclass(frozen=True, slots=True)
class PendingNearest:
    """One prepared document waiting for its vectors; ``finish`` searches the whole index."""

    tokens: list[PreparedToken]
    top_k: int
    include_glosses: bool
    nearest: NearestSenses
    max_answer_bytes: int | None

    @property
    def words(self) -> list[list[str]]:
        return words_of([self.tokens])

    def finish(self, vectors: Sequence[Vector]) -> list[TargetResult]:
        [matrix] = vectors
        results = self.nearest.results(self.tokens, matrix, self.top_k, self.include_glosses)
        if self.max_answer_bytes is not None:
            check_answer(results_bytes(results), self.max_answer_bytes, _REDUCE_NEAREST)
        return results

    def run(self, encode: Encode) -> list[TargetResult]:
        return self.finish(encode(self.words))


@dataclass(frozen=True, slots=True)
class PendingEmbedding:
    """One prepared document waiting for its vectors from ``layers`` (and static ones)."""

    tokens: list[PreparedToken]
    layers: tuple[int, ...]
    include_static: bool

    @property
    def words(self) -> list[list[str]]:
        return words_of([self.tokens])

    def finish(self, contextual: Vector, static: Vector | None) -> Embedding:
        return Embedding(
            self.layers,
            [
                WordVector(t.text, t.start, t.end, contextual[i], None if static is None else static[i])
                for i, t in enumerate(self.tokens)
            ],
        )

    def run(self, encoder: Encoder) -> Embedding:
        [contextual] = encoder.encode(self.words, self.layers)
        static = encoder.static_vectors(self.words)[0] if self.include_static else None
        return self.finish(contextual, static)


class Pipeline:
    """Every request's steps over one index, its inventory and the facts of its encoder."""

    def __init__(
        self,
        index: SenseIndex,
        encoder: Encoder,
        inventory: Inventory,
        scoring: ScoringConfig | None = None,
        limits: LimitsConfig | None = None,
        nearest: NearestConfig | None = None,
    ) -> None:
        if index.dimension != 2 * encoder.dimension:
            raise SenseIndexError(
                f"index dimension {index.dimension} does not fit encoder dimension {encoder.dimension}"
            )
        self.index = index
        self.encoder = encoder
        self.inventory = inventory
        self.limits = limits or LimitsConfig()
        self._preparer = Preparer(index, inventory, self.limits)
        self._ranker = Ranker(index, scoring or index.manifest.scoring_config())
        self._nearest = NearestSenses(index, nearest)
        # The widest scored sense on the wire, without and with its gloss (indexed by include_glosses).
        self._widest_sense = (widest_sense_bytes(index, False), widest_sense_bytes(index, True))

    @property
    def scoring(self) -> ScoringConfig:
        return self._ranker.scoring

    def with_scoring(self, scoring: ScoringConfig) -> Pipeline:
        """The same pipeline with other scoring weights."""
        return Pipeline(self.index, self.encoder, self.inventory, scoring, self.limits, self._nearest.config)

    def disambiguation(
        self, documents: Sequence[Document], top_k: int, include_glosses: bool, *, offline: bool = False
    ) -> PendingDisambiguation:
        """Checks, preparation and the answer's bound. ``offline``: a corpus evaluated in one
        job, not a request, so the request limits (documents, words, answer size) do not apply."""
        self._check_top_k(top_k)
        if offline:
            tokens = self._preparer.prepare(documents, max_words=_UNLIMITED)
            return PendingDisambiguation(tokens, top_k, include_glosses, self._ranker)
        self._check_documents(documents)
        tokens = self._preparer.prepare(documents)
        limit = self.limits.max_answer_bytes
        # Every sense as wide as the index's widest: a quick bound, and nearly every call fits it.
        if (
            limit is not None
            and widest_senses_bytes(tokens, self._widest_sense[include_glosses], top_k) > limit
        ):
            check_answer(
                disambiguation_bytes(tokens, self.index, top_k, include_glosses), limit, _REDUCE_RANKED
            )
        return PendingDisambiguation(tokens, top_k, include_glosses, self._ranker)

    def nearest(self, document: Document, top_k: int, include_glosses: bool) -> PendingNearest:
        """Checks the options, the graph, the input and the answer's size without glosses
        before anything is encoded (the found senses' real size, glosses included, is checked by
        ``finish``: a bound with the index's widest gloss for every sense would refuse answers
        that fit)."""
        self._check_top_k(top_k)
        self._nearest.check_available()
        [tokens] = self._preparer.prepare([document], open_vocabulary=True)
        if self.limits.max_answer_bytes is not None:
            size = widest_senses_bytes([tokens], self._widest_sense[False], top_k)
            check_answer(size, self.limits.max_answer_bytes, _REDUCE_NEAREST)
        return PendingNearest(tokens, top_k, include_glosses, self._nearest, self.limits.max_answer_bytes)

    def embedding(self, document: Document, layers: Sequence[int], include_static: bool) -> PendingEmbedding:
        """Checks the layers, the input and the answer's size before anything is encoded."""
        chosen = self.encoder.resolve_layers(layers)
        [tokens] = self._preparer.prepare([document])
        size = embedding_bytes(tokens, self.encoder.dimension, include_static)
        reduce = "send fewer words" + (" or leave include_static off" if include_static else "")
        check_answer(size, self.limits.max_answer_bytes, reduce)
        return PendingEmbedding(tokens, chosen, include_static)

    def lookup_senses(self, lemma: str, pos: str | None, include_vectors: bool) -> list[SenseInfo]:
        """The inventory's senses of ``lemma`` (or of its base forms: "banks" finds bank)."""
        if not lemma.strip():
            raise InputError("lemma: must not be empty", field="lemma")
        found = [
            sense
            for tag in ([pos] if pos else list(POS_TAGS))
            for name in self._lemmas(lemma, tag)
            for sense in self.inventory.senses(name, tag)
        ]
        if not found:
            where = f" as {pos}" if pos else ""
            raise NotFoundError(f"lemma {shown(lemma)} has no senses{where} in the inventory", field="lemma")
        return [self._sense_info(sense.key, include_vectors) for sense in found]

    def index_info(self) -> Manifest:
        return self.index.manifest

    def _lemmas(self, lemma: str, tag: str) -> list[str]:
        exact = lemma_key(lemma)
        return [exact] if self.inventory.has_lemma(exact, tag) else self.inventory.lemmatise(lemma, tag)

    def _sense_info(self, key: str, include_vector: bool) -> SenseInfo:
        sense = self.inventory.by_key(key)
        assert sense is not None  # listed by the inventory itself
        number = self.index.row_number(key)
        if number is None:
            return SenseInfo(sense, "")
        vector = self.index.vectors(number, number + 1)[0] if include_vector else None
        return SenseInfo(sense, self.index.rows.source(number), vector)

    def _check_documents(self, documents: Sequence[Document]) -> None:
        if not documents:
            raise InputError("documents: at least one document is required", field="documents")
        if len(documents) > self.limits.max_documents:
            raise LimitExceededError(
                f"documents: {len(documents)} in one request; the limit is {self.limits.max_documents}"
            )

    def _check_top_k(self, top_k: int) -> None:
        if not 1 <= top_k <= self.limits.max_top_k:
            raise InputError(
                f"top_k must be between 1 and {self.limits.max_top_k}, got {top_k}", field="top_k"
            )
