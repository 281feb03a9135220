"""The engine behind an asyncio server: loading state, micro-batched encoding, limits.

It knows nothing of gRPC; the servicer translates messages and calls it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .._core.config import EncoderConfig, LimitsConfig
from .._core.documents import Document, TargetResult
from .._core.errors import InputError, LimitExceededError, WsdError, shown
from .._core.sense import POS_TAGS, Sense, lemma_key
from .._engine.disambiguator import Disambiguator, EncodedBatch, words_of
from .._engine.index import EncoderSignature, Manifest, SenseRow, encoder_signature, read_manifest
from .._engine.inventory import Inventory
from .._engine.vectors import Vector
from .batcher import BatcherConfig, MicroBatcher

Result = TypeVar("Result")


_OFFLOAD_CHARS = 4000  # requests larger than this are prepared and ranked in a thread


async def _maybe_in_thread(offload: bool, function: Callable[..., Result], *args: Any) -> Result:
    return await asyncio.to_thread(function, *args) if offload else function(*args)


class NotReadyError(WsdError):
    """The encoder or index is still loading (or the server is shutting down)."""


class NotFoundError(WsdError):
    """The inventory has no such lemma."""


@dataclass(frozen=True, slots=True)
class ServiceLimits:
    """Per-request limits; see README "Limits"."""

    max_documents: int = 256  # documents in one Disambiguate call
    max_words: int = 10_000  # words in one call, all documents together
    max_chars: int = 1_000_000  # characters in one text
    max_top_k: int = 100


@dataclass(frozen=True, slots=True)
class EngineConfig:
    index: Path
    encoder: EncoderConfig | None = None
    limits: ServiceLimits = field(default_factory=ServiceLimits)
    batcher: BatcherConfig = field(default_factory=BatcherConfig)
    allow_backend_mismatch: bool = False


@dataclass(frozen=True, slots=True)
class WordEmbedding:
    text: str
    start: int | None
    end: int | None
    contextual: Vector
    static: Vector | None


class AsyncEngine:
    """Loads a Disambiguator off the event loop and serves it with micro-batching."""

    def __init__(self, config: EngineConfig, on_batch: Callable[[int], None] | None = None) -> None:
        self.config = config
        self._on_batch = on_batch
        self._engine: Disambiguator | None = None
        self._batcher: MicroBatcher[Vector] | None = None
        self._loading = asyncio.Lock()  # one load or reload at a time

    @property
    def ready(self) -> bool:
        return self._engine is not None

    @property
    def batcher(self) -> MicroBatcher[Vector] | None:
        return self._batcher

    async def load(self) -> None:
        async with self._loading:
            engine = await asyncio.to_thread(self._load_engine, None)
            self._engine, self._batcher = engine, self._start_batcher(engine)

    async def reload(self) -> Manifest:
        """Load the index again (a rebuild switches its ``current`` version) and swap it in.

        Requests in flight finish on the engine they started with; if the new index fails to
        load, the error is raised and the old one keeps serving.
        """
        async with self._loading:
            old_engine, old_batcher = self._engine, self._batcher
            engine = await asyncio.to_thread(self._load_engine, old_engine)
            same_encoder = old_engine is not None and engine.encoder is old_engine.encoder
            batcher = old_batcher if same_encoder and old_batcher else self._start_batcher(engine)
            self._engine, self._batcher = engine, batcher
            if old_batcher is not None and old_batcher is not batcher:
                await old_batcher.drain()
            return engine.index.manifest

    def _load_engine(self, current: Disambiguator | None) -> Disambiguator:
        """A new engine over the index; it shares ``current``'s encoder when the index allows."""
        limits = self.config.limits
        engine_limits = LimitsConfig(limits.max_words, limits.max_chars, limits.max_top_k)
        reuse = current is not None and _same_encoder(read_manifest(self.config.index).encoder, current)
        return Disambiguator.load(
            self.config.index,
            None if reuse else self.config.encoder,
            encoder=current.encoder if reuse and current else None,
            limits=engine_limits,
            allow_backend_mismatch=self.config.allow_backend_mismatch,
        )

    def _start_batcher(self, engine: Disambiguator) -> MicroBatcher[Vector]:
        batcher: MicroBatcher[Vector] = MicroBatcher(
            engine.encoder.encode, self.config.batcher, self._on_batch
        )
        batcher.start()
        return batcher

    async def close(self) -> None:
        batcher, self._batcher, self._engine = self._batcher, None, None
        if batcher is not None:
            await batcher.stop()

    def _ready(self) -> tuple[Disambiguator, MicroBatcher[Vector]]:
        if self._engine is None or self._batcher is None:
            raise NotReadyError("the service is loading its encoder and index; retry shortly")
        return self._engine, self._batcher

    async def disambiguate(
        self, documents: Sequence[Document], top_k: int, timeout: float | None
    ) -> list[list[TargetResult]]:
        engine, batcher = self._ready()
        if not documents:
            raise InputError("documents: at least one document is required")
        if len(documents) > self.config.limits.max_documents:
            raise LimitExceededError(
                f"documents: {len(documents)} in one request; the limit is {self.config.limits.max_documents}"
            )
        # Tokenising and ranking take about 1.5 ms a sentence: on the loop for small requests
        # (a thread hop cost throughput when measured), in a thread for big ones so that a
        # 10,000-word request does not stall everyone else.
        big = sum(len(d.text or "") + 8 * len(d.tokens or ()) for d in documents) > _OFFLOAD_CHARS
        prepared = await _maybe_in_thread(big, engine.prepare, documents)
        vectors = await batcher.encode(words_of(prepared), timeout)
        return await _maybe_in_thread(big, lambda: engine.rank(EncodedBatch(prepared, vectors), top_k=top_k))

    async def embed(
        self, document: Document, layers: Sequence[int], include_static: bool
    ) -> tuple[str, list[WordEmbedding]]:
        engine, batcher = self._ready()
        [prepared] = engine.prepare([document])
        words = [[t.text for t in prepared]]
        encoder = engine.encoder

        def run() -> tuple[Vector, Vector | None]:
            contextual = encoder.encode(words, layers or None)[0]
            return contextual, encoder.static_vectors(words)[0] if include_static else None

        contextual, static = await batcher.run_exclusive(run)
        layer_config = encoder.layer_config if not layers else "mean:" + ",".join(map(str, layers))
        return layer_config, [
            WordEmbedding(t.text, t.start, t.end, contextual[i], None if static is None else static[i])
            for i, t in enumerate(prepared)
        ]

    def lookup(self, lemma: str, pos: str | None) -> list[tuple[Sense, SenseRow | None]]:
        engine, _ = self._ready()
        if not lemma.strip():
            raise InputError("lemma: must not be empty")
        tags = [pos] if pos else list(POS_TAGS)
        inventory = engine.inventory
        found = [
            s for tag in tags for name in _lemmas(inventory, lemma, tag) for s in inventory.senses(name, tag)
        ]
        if not found:
            where = f" as {pos}" if pos else ""
            raise NotFoundError(f"lemma {shown(lemma)} has no senses{where} in the inventory")
        return [(sense, engine.index.row_of(sense.key)) for sense in found]

    def manifest(self) -> Manifest:
        engine, _ = self._ready()
        return engine.index.manifest


def _same_encoder(built: EncoderSignature, current: Disambiguator) -> bool:
    return built == encoder_signature(current.encoder)


def _lemmas(inventory: Inventory, lemma: str, tag: str) -> list[str]:
    """The lemma as given when the inventory has it, else its base forms ("banks" -> bank)."""
    exact = lemma_key(lemma)
    return [exact] if inventory.has_lemma(exact, tag) else inventory.lemmatise(lemma, tag)
