"""The engine behind an asyncio server: loading state, micro-batched encoding, limits.

It knows nothing of gRPC; the servicer translates messages and calls it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from .._core.config import BatcherConfig, EncoderConfig, LimitsConfig
from .._core.documents import Document, Embedding, SenseInfo, TargetResult, Vector
from .._core.errors import InputError, LimitExceededError, SenseIndexError, UnavailableError
from .._core.manifest import Manifest, check_compatible, read_manifest
from .._engine.disambiguator import Disambiguator, EncodedBatch
from .._engine.encoding.encoder import Encoder
from .._engine.query.prepare import words_of
from .batcher import MicroBatcher
from .slot_board import SlotBoard

Result = TypeVar("Result")


_OFFLOAD_CHARS = 4000  # requests larger than this are prepared and ranked in a thread


async def _maybe_in_thread(offload: bool, function: Callable[..., Result], *args: Any) -> Result:
    return await asyncio.to_thread(function, *args) if offload else function(*args)


def _rough_words(documents: Sequence[Document]) -> int:
    """Words to encode, estimated before preparing, for admission."""
    return sum(len((d.text or "").split()) + len(d.tokens or ()) for d in documents)


def _is_big(documents: Sequence[Document]) -> bool:
    """Whether preparing and ranking should leave the event loop."""
    return sum(len(d.text or "") + 8 * len(d.tokens or ()) for d in documents) > _OFFLOAD_CHARS


@dataclass(frozen=True, slots=True)
class EngineConfig:
    index: Path
    encoder: EncoderConfig | None = None
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    batcher: BatcherConfig = field(default_factory=BatcherConfig)


class AsyncEngine:
    """Loads a Disambiguator off the event loop and serves it with micro-batching."""

    def __init__(
        self,
        config: EngineConfig,
        on_batch: Callable[[int], None] | None = None,
        board: SlotBoard | None = None,
    ) -> None:
        self.config = config
        self._on_batch = on_batch
        self._board = board
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
        encoder = current.encoder if current is not None and self._can_query(current.encoder) else None
        return Disambiguator.load(
            self.config.index,
            None if encoder else self._encoder_config(),
            encoder=encoder,
            limits=self.config.limits,
        )

    def _encoder_config(self) -> EncoderConfig:
        """The configured encoder, else the index's; one thread a batch unless told otherwise,
        since the batcher encodes several batches at once."""
        config = self.config.encoder or read_manifest(self.config.index).encoder.encoder_config()
        return config if config.threads else replace(config, threads=1)

    def _can_query(self, encoder: Encoder) -> bool:
        try:
            check_compatible(read_manifest(self.config.index).encoder, encoder.signature, self.config.index)
        except SenseIndexError:
            return False
        return True

    def _start_batcher(self, engine: Disambiguator) -> MicroBatcher[Vector]:
        batcher: MicroBatcher[Vector] = MicroBatcher(
            engine.encoder.encode, self.config.batcher, self._on_batch, self._board
        )
        batcher.start()
        return batcher

    async def close(self) -> None:
        batcher, self._batcher, self._engine = self._batcher, None, None
        if batcher is not None:
            await batcher.stop()

    def _ready(self) -> tuple[Disambiguator, MicroBatcher[Vector]]:
        if self._engine is None or self._batcher is None:
            raise UnavailableError("the service is loading its encoder and index; retry shortly")
        return self._engine, self._batcher

    async def disambiguate(
        self, documents: Sequence[Document], top_k: int, timeout: float | None, include_glosses: bool = True
    ) -> list[list[TargetResult]]:
        engine, batcher = self._ready()
        if not documents:
            raise InputError("documents: at least one document is required", field="documents")
        if len(documents) > self.config.limits.max_documents:
            raise LimitExceededError(
                f"documents: {len(documents)} in one request; the limit is {self.config.limits.max_documents}"
            )
        # Tokenising and ranking take about 1.5 ms a sentence: on the loop for small requests
        # (a thread hop cost throughput when measured), in a thread for big ones so that a
        # 10,000-word request does not stall everyone else.
        if timeout is not None:  # refuse before preparing, as cheaply as possible, what cannot make it
            batcher.admit(_rough_words(documents), timeout)
        big = _is_big(documents)
        prepared = await _maybe_in_thread(big, engine.prepare, documents)
        await _maybe_in_thread(big, engine.check_answer_size, prepared, top_k, include_glosses)
        vectors = await batcher.encode(words_of(prepared), timeout)
        batch = EncodedBatch(prepared, vectors)
        return await _maybe_in_thread(
            big, lambda: engine.rank(batch, top_k=top_k, include_glosses=include_glosses)
        )

    async def nearest_senses(
        self, document: Document, top_k: int, timeout: float | None, include_glosses: bool = True
    ) -> list[TargetResult]:
        """Like ``disambiguate`` for one document: admission, the shared encoder batches, then
        the graph search (in a thread for big documents)."""
        engine, batcher = self._ready()
        if timeout is not None:
            batcher.admit(_rough_words([document]), timeout)
        big = _is_big([document])
        prepared = await _maybe_in_thread(big, engine.prepare_nearest, document, top_k, include_glosses)
        [matrix] = await batcher.encode(words_of([prepared]), timeout)
        return await _maybe_in_thread(
            big, lambda: engine.nearest(prepared, matrix, top_k=top_k, include_glosses=include_glosses)
        )

    async def embed(self, document: Document, layers: Sequence[int], include_static: bool) -> Embedding:
        engine, batcher = self._ready()
        [prepared] = engine.prepare([document])  # input, limits and answer size before queueing
        engine.check_embedding_size(prepared, include_static)
        # Another layer choice is another forward pass: it runs on an encoder thread beside the batches.
        return await batcher.run_on_encoder_thread(
            lambda: engine.embed_prepared(prepared, layers, include_static)
        )

    def lookup_senses(self, lemma: str, pos: str | None, include_vectors: bool) -> list[SenseInfo]:
        engine, _ = self._ready()
        return engine.lookup_senses(lemma, pos, include_vectors=include_vectors)

    def manifest(self) -> Manifest:
        engine, _ = self._ready()
        return engine.index_info()
