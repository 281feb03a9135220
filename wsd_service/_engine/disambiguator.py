"""The engine's façade: ``Disambiguator.load(index_dir)`` and the ``WsdApi`` methods.

It wires the encoder, the index and the inventory to preparation (``prepare``) and ranking
(``rank``); the work is theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .._core.config import NEAREST_TOP_K, EncoderConfig, LimitsConfig, NearestConfig, ScoringConfig
from .._core.documents import Document, Embedding, SenseInfo, StreamResult, TargetResult, Vector, WordVector
from .._core.errors import InputError, NotFoundError, shown
from .._core.interface import DocumentLike, as_document
from .._core.manifest import CUSTOM_FILE, Manifest, read_manifest
from .._core.sense import POS_TAGS, lemma_key
from .._util.chunks import chunked
from .encoding.encoder import Encoder
from .lexicon.custom_senses import read_custom_inventory
from .lexicon.inventory import Inventory
from .lexicon.wordnet import DEFAULT_WORDNET_DIR, WordNetDatabase
from .query.answer_size import (
    check_answer,
    disambiguation_bytes,
    embedding_bytes,
    nearest_bytes,
    results_bytes,
    widest_sense_bytes,
)
from .query.nearest_senses import NearestSenses
from .query.prepare import PreparedToken, Preparer, words_of
from .query.rank import Ranker
from .store.sense_index import SenseIndex, load_index

_STREAM_BATCH = 64  # documents per encoder pass in disambiguate_stream
_REDUCE_NEAREST = "send fewer target words, a smaller top_k, or include_glosses=false"


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    """Documents after preparation and encoding: the first half of disambiguation."""

    tokens: list[list[PreparedToken]]
    vectors: list[Vector]


class Disambiguator:
    """The local engine; satisfies ``WsdApi`` like the gRPC clients do."""

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
            raise InputError(
                f"index dimension {index.dimension} does not fit encoder dimension {encoder.dimension}"
            )
        self.index = index
        self.encoder = encoder
        self.inventory = inventory
        self.limits = limits or LimitsConfig()
        self._preparer = Preparer(index, inventory, self.limits)
        self._ranker = Ranker(index, scoring or index.manifest.scoring_config())
        self._nearest = NearestSenses(index, nearest)

    @classmethod
    def load(
        cls,
        index_dir: Path,
        encoder_config: EncoderConfig | None = None,
        *,
        encoder: Encoder | None = None,
        wordnet_dir: Path = DEFAULT_WORDNET_DIR,
        scoring: ScoringConfig | None = None,
        limits: LimitsConfig | None = None,
    ) -> Disambiguator:
        """Load an index and an encoder; refuse a mismatched pair.

        With neither ``encoder`` nor ``encoder_config``, the default encoder is loaded with the
        index's layers and the fastest backend the index allows to query it.
        """
        if encoder is None:
            encoder = Encoder(encoder_config or read_manifest(index_dir).encoder.encoder_config())
        index = load_index(index_dir, encoder.signature)
        custom_path = index.directory / CUSTOM_FILE if index.directory else None
        custom = read_custom_inventory(custom_path) if custom_path and custom_path.is_file() else []
        inventory = Inventory(WordNetDatabase(wordnet_dir), custom)
        return cls(index, encoder, inventory, scoring, limits)

    @property
    def scoring(self) -> ScoringConfig:
        return self._ranker.scoring

    def with_scoring(self, scoring: ScoringConfig) -> Disambiguator:
        """The same engine with other scoring weights (used to tune on a dev set)."""
        return Disambiguator(
            self.index, self.encoder, self.inventory, scoring, self.limits, self._nearest.config
        )

    # -- WsdApi ---------------------------------------------------------------------------

    def disambiguate(
        self, document: DocumentLike, *, top_k: int = 1, include_glosses: bool = True
    ) -> list[TargetResult]:
        """Ranked senses for every target of one text, document or token list."""
        return self.disambiguate_batch([document], top_k=top_k, include_glosses=include_glosses)[0]

    def disambiguate_batch(
        self, documents: Sequence[DocumentLike], *, top_k: int = 1, include_glosses: bool = True
    ) -> list[list[TargetResult]]:
        """Several documents in one encoder pass (length-sorted batches inside the encoder)."""
        self._check_top_k(top_k)
        prepared = self.prepare([as_document(d) for d in documents])
        self.check_answer_size(prepared, top_k, include_glosses)
        encoded = EncodedBatch(prepared, self.encoder.encode(words_of(prepared)))
        return self.rank(encoded, top_k=top_k, include_glosses=include_glosses)

    def disambiguate_stream(
        self, documents: Iterable[DocumentLike], *, top_k: int = 1, include_glosses: bool = True
    ) -> Iterator[StreamResult]:
        """Results in order, batches of documents sharing encoder passes; a refused document
        gets its error and the others are answered."""
        for batch in chunked(documents, _STREAM_BATCH):
            try:
                results = self.disambiguate_batch(batch, top_k=top_k, include_glosses=include_glosses)
                yield from (StreamResult(targets) for targets in results)
            except InputError:
                yield from (self._stream_one(d, top_k, include_glosses) for d in batch)

    def _stream_one(self, document: DocumentLike, top_k: int, include_glosses: bool) -> StreamResult:
        try:
            return StreamResult(self.disambiguate(document, top_k=top_k, include_glosses=include_glosses))
        except InputError as error:
            return StreamResult(error=error)

    def embed(
        self, document: DocumentLike, *, layers: Sequence[int] = (), include_static: bool = False
    ) -> Embedding:
        """Contextual vectors of every word as the engine tokenises the document."""
        [prepared] = self.prepare([as_document(document)])
        self.check_embedding_size(prepared, include_static)
        return self.embed_prepared(prepared, layers, include_static)

    def embed_prepared(
        self, prepared: list[PreparedToken], layers: Sequence[int], include_static: bool
    ) -> Embedding:
        chosen = self.encoder.resolve_layers(layers)
        words = words_of([prepared])
        contextual = self.encoder.encode(words, chosen)[0]
        static = self.encoder.static_vectors(words)[0] if include_static else None
        return Embedding(
            chosen,
            [
                WordVector(t.text, t.start, t.end, contextual[i], None if static is None else static[i])
                for i, t in enumerate(prepared)
            ],
        )

    def lookup_senses(
        self, lemma: str, pos: str | None = None, *, include_vectors: bool = False
    ) -> list[SenseInfo]:
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
        return SenseInfo(sense, self.index.rows[number].source, vector)

    def index_info(self) -> Manifest:
        return self.index.manifest

    def nearest_senses(
        self, document: DocumentLike, *, top_k: int = NEAREST_TOP_K, include_glosses: bool = True
    ) -> list[TargetResult]:
        """The senses of the whole index nearest to every target word, whatever its lemma.

        Targets: the document's, else every word that is not a stopword or punctuation, words
        WordNet does not know included. Scores are Disambiguate's without the frequency prior.
        """
        prepared = self.prepare_nearest(as_document(document), top_k, include_glosses)
        [matrix] = self.encoder.encode(words_of([prepared]))
        return self.nearest(prepared, matrix, top_k=top_k, include_glosses=include_glosses)

    # -- the two halves, for serving and evaluation ----------------------------------------

    def prepare(
        self, documents: Sequence[Document], *, max_words: int | None = None, open_vocabulary: bool = False
    ) -> list[list[PreparedToken]]:
        """Tokens, candidates and targets of each document; checks input and limits."""
        return self._preparer.prepare(documents, max_words=max_words, open_vocabulary=open_vocabulary)

    def check_answer_size(
        self, prepared: list[list[PreparedToken]], top_k: int, include_glosses: bool
    ) -> None:
        """Refuse, before encoding, ranked senses bound to exceed ``limits.max_answer_bytes``."""
        if self.limits.max_answer_bytes is None:
            return
        size = disambiguation_bytes(prepared, self.index, top_k, include_glosses)
        reduce = "send fewer targets or documents, a smaller top_k, or include_glosses=false"
        check_answer(size, self.limits.max_answer_bytes, reduce)

    def prepare_nearest(self, document: Document, top_k: int, include_glosses: bool) -> list[PreparedToken]:
        """First half of nearest_senses: options, the index's graph, input and limits are checked
        before anything is encoded, and so is the answer's size without glosses (any sense may be
        found, and the widest gloss of 200,000 senses takes seconds to find: ``nearest`` checks
        the found senses' real size)."""
        self._check_top_k(top_k)
        self._nearest.check_available()
        [prepared] = self.prepare([document], open_vocabulary=True)
        if self.limits.max_answer_bytes is not None:
            size = nearest_bytes(prepared, self._widest_sense, top_k)
            check_answer(size, self.limits.max_answer_bytes, _REDUCE_NEAREST)
        return prepared

    def nearest(
        self, prepared: list[PreparedToken], matrix: Vector, *, top_k: int, include_glosses: bool
    ) -> list[TargetResult]:
        """Second half: search the graph for every target's vector; refuse an answer over
        ``limits.max_answer_bytes``."""
        results = self._nearest.results(prepared, matrix, top_k, include_glosses)
        if self.limits.max_answer_bytes is not None:
            check_answer(results_bytes(results), self.limits.max_answer_bytes, _REDUCE_NEAREST)
        return results

    @cached_property
    def _widest_sense(self) -> int:
        """The widest scored sense without its gloss on the wire; computed on first use (0.1 s)."""
        return widest_sense_bytes(self.index)

    def check_embedding_size(self, prepared: list[PreparedToken], include_static: bool) -> None:
        """Refuse, before encoding, word vectors bound to exceed ``limits.max_answer_bytes``."""
        size = embedding_bytes(prepared, self.encoder.dimension, include_static)
        reduce = "send fewer words" + (" or leave include_static off" if include_static else "")
        check_answer(size, self.limits.max_answer_bytes, reduce)

    def encode_documents(
        self, documents: Sequence[Document], *, max_words: int | None = None
    ) -> EncodedBatch:
        """First half of disambiguation: prepared tokens and their contextual vectors."""
        prepared = self.prepare(documents, max_words=max_words)
        return EncodedBatch(prepared, self.encoder.encode(words_of(prepared)))

    def rank(
        self, batch: EncodedBatch, *, top_k: int = 1, include_glosses: bool = True
    ) -> list[list[TargetResult]]:
        """Second half: score every target's candidates."""
        self._check_top_k(top_k)
        return self._ranker.rank(batch.tokens, batch.vectors, top_k, include_glosses)

    def _check_top_k(self, top_k: int) -> None:
        if not 1 <= top_k <= self.limits.max_top_k:
            raise InputError(
                f"top_k must be between 1 and {self.limits.max_top_k}, got {top_k}", field="top_k"
            )
