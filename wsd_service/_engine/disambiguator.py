"""The local engine: ``Disambiguator.load(index_dir)`` and the ``WsdApi`` methods.

It drives the request pipeline (``query.pipeline``) with the encoder in the caller's thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .._core.config import DISAMBIGUATE_TOP_K, NEAREST_TOP_K, EncoderConfig, LimitsConfig, ScoringConfig
from .._core.documents import Embedding, SenseInfo, StreamResult, TargetResult
from .._core.environment import DEFAULT_WORDNET_DIR
from .._core.errors import InputError
from .._core.interface import DocumentLike, as_document
from .._core.manifest import CUSTOM_FILE, Manifest, read_manifest
from .._util.chunks import chunked
from .encoding.encoder import Encoder
from .lexicon.custom_senses import read_custom_inventory
from .lexicon.inventory import Inventory
from .lexicon.wordnet import WordNetDatabase
from .query.pipeline import Pipeline
from .store.sense_index import load_index

_STREAM_BATCH = 64  # documents per encoder pass in disambiguate_stream


class Disambiguator:
    """The local engine; satisfies ``WsdApi`` like the gRPC clients do."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

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

        With neither ``encoder`` nor ``encoder_config``, the encoder the index's manifest names,
        on the backend it names for querying.
        """
        if encoder is None:
            encoder = Encoder(encoder_config or read_manifest(index_dir).encoder_config())
        index = load_index(index_dir, encoder.signature)
        custom_path = index.directory / CUSTOM_FILE if index.directory else None
        custom = read_custom_inventory(custom_path) if custom_path and custom_path.is_file() else []
        inventory = Inventory(WordNetDatabase(wordnet_dir), custom)
        return cls(Pipeline(index, encoder, inventory, scoring, limits))

    @property
    def encoder(self) -> Encoder:
        return self.pipeline.encoder

    def disambiguate(
        self, document: DocumentLike, *, top_k: int = DISAMBIGUATE_TOP_K, include_glosses: bool = True
    ) -> list[TargetResult]:
        """Ranked senses for every target of one text, document or token list."""
        return self.disambiguate_batch([document], top_k=top_k, include_glosses=include_glosses)[0]

    def disambiguate_batch(
        self,
        documents: Sequence[DocumentLike],
        *,
        top_k: int = DISAMBIGUATE_TOP_K,
        include_glosses: bool = True,
    ) -> list[list[TargetResult]]:
        """Several documents in one encoder pass (length-sorted batches inside the encoder)."""
        pending = self.pipeline.disambiguation([as_document(d) for d in documents], top_k, include_glosses)
        return pending.run(self.encoder.encode)

    def disambiguate_stream(
        self,
        documents: Iterable[DocumentLike],
        *,
        top_k: int = DISAMBIGUATE_TOP_K,
        include_glosses: bool = True,
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
        return self.pipeline.embedding(as_document(document), layers, include_static).run(self.encoder)

    def lookup_senses(
        self, lemma: str, pos: str | None = None, *, include_vectors: bool = False
    ) -> list[SenseInfo]:
        """The inventory's senses of ``lemma`` (or of its base forms: "banks" finds bank)."""
        return self.pipeline.lookup_senses(lemma, pos, include_vectors)

    def index_info(self) -> Manifest:
        return self.pipeline.index_info()

    def nearest_senses(
        self, document: DocumentLike, *, top_k: int = NEAREST_TOP_K, include_glosses: bool = True
    ) -> list[TargetResult]:
        """The senses of the whole index nearest to every target word, whatever its lemma.

        Targets: the document's, else every word that is not a stopword or punctuation, words
        WordNet does not know included. Scores are Disambiguate's without the frequency prior.
        """
        pending = self.pipeline.nearest(as_document(document), top_k, include_glosses)
        return pending.run(self.encoder.encode)
