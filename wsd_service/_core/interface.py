"""One interface, local and remote: the engine (``Disambiguator``) and ``WsdClient`` satisfy
``WsdApi``; ``AsyncWsdClient`` satisfies ``AsyncWsdApi``, the same methods awaited. Tools
(annotate, plot, the spaCy component) take either and cannot tell them apart."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from typing import Protocol, runtime_checkable

from .config import DISAMBIGUATE_TOP_K, NEAREST_TOP_K
from .documents import Document, Embedding, InputToken, SenseInfo, StreamResult, TargetResult
from .manifest import Manifest

# Raw text, a document, or a list of tokens.
DocumentLike = str | Document | Sequence[InputToken]


def as_document(item: DocumentLike) -> Document:
    if isinstance(item, str):
        return Document(text=item)
    if isinstance(item, Document):
        return item
    return Document(tokens=list(item))


@runtime_checkable
class WsdApi(Protocol):
    """What a caller can ask of a sense index, in this process or over gRPC.

    Errors are the engine's exceptions (``InputError``, ``LimitExceededError``, ...) on both
    sides; each carries the gRPC status code name it travels as in ``code``.
    """

    def disambiguate(
        self, document: DocumentLike, *, top_k: int = DISAMBIGUATE_TOP_K, include_glosses: bool = True
    ) -> list[TargetResult]:
        """Ranked senses for every target of one document."""
        ...

    def disambiguate_batch(
        self,
        documents: Sequence[DocumentLike],
        *,
        top_k: int = DISAMBIGUATE_TOP_K,
        include_glosses: bool = True,
    ) -> list[list[TargetResult]]:
        """Several documents in one call (one encoder pass); one refused document fails it."""
        ...

    def disambiguate_stream(
        self,
        documents: Iterable[DocumentLike],
        *,
        top_k: int = DISAMBIGUATE_TOP_K,
        include_glosses: bool = True,
    ) -> Iterator[StreamResult]:
        """One result per document, in order; a refused document gets its error, the rest go on."""
        ...

    def embed(
        self, document: DocumentLike, *, layers: Sequence[int] = (), include_static: bool = False
    ) -> Embedding:
        """Contextual vectors of every word (``layers``: hidden layers to average; () the index's)."""
        ...

    def lookup_senses(
        self, lemma: str, pos: str | None = None, *, include_vectors: bool = False
    ) -> list[SenseInfo]:
        """The inventory's senses of a lemma (NotFoundError when it has none)."""
        ...

    def index_info(self) -> Manifest:
        """The loaded index's manifest."""
        ...

    def nearest_senses(
        self, document: DocumentLike, *, top_k: int = NEAREST_TOP_K, include_glosses: bool = True
    ) -> list[TargetResult]:
        """The senses of the whole inventory nearest to each target word, whatever its lemma
        (words WordNet does not know included); SenseIndexError for an index built without them."""
        ...


@runtime_checkable
class AsyncWsdApi(Protocol):
    """``WsdApi`` for asyncio callers: the same methods, awaited."""

    async def disambiguate(
        self, document: DocumentLike, *, top_k: int = DISAMBIGUATE_TOP_K, include_glosses: bool = True
    ) -> list[TargetResult]: ...

    async def disambiguate_batch(
        self,
        documents: Sequence[DocumentLike],
        *,
        top_k: int = DISAMBIGUATE_TOP_K,
        include_glosses: bool = True,
    ) -> list[list[TargetResult]]: ...

    def disambiguate_stream(
        self,
        documents: Iterable[DocumentLike] | AsyncIterable[DocumentLike],
        *,
        top_k: int = DISAMBIGUATE_TOP_K,
        include_glosses: bool = True,
    ) -> AsyncIterator[StreamResult]: ...

    async def embed(
        self, document: DocumentLike, *, layers: Sequence[int] = (), include_static: bool = False
    ) -> Embedding: ...

    async def lookup_senses(
        self, lemma: str, pos: str | None = None, *, include_vectors: bool = False
    ) -> list[SenseInfo]: ...

    async def index_info(self) -> Manifest: ...

    async def nearest_senses(
        self, document: DocumentLike, *, top_k: int = NEAREST_TOP_K, include_glosses: bool = True
    ) -> list[TargetResult]: ...
