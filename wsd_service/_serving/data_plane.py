"""The data plane under every transport: the request pipeline driven by the micro-batcher.

It loads the pipeline off the event loop, admits work against the deadline, queues the words
on the shared encoder batches and runs the pipeline's other steps. It knows nothing of gRPC or
HTTP: ``calls.WsdCalls`` translates messages and calls it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from .._core.arrays import Vector
from .._core.config import BatcherConfig, EncoderConfig, LimitsConfig
from .._core.documents import Document, Embedding, SenseInfo, TargetResult
from .._core.errors import SenseIndexError, UnavailableError
from .._core.manifest import Manifest, check_compatible, read_manifest
from .._engine.disambiguator import Disambiguator
from .._engine.encoding.encoder import Encoder
from .._engine.query.pipeline import PendingDisambiguation, Pipeline, finish_together
from .batcher import MicroBatcher
from .call_board import CallBoard
from .same_turn import SameTurn
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
class DataPlaneConfig:
    index: Path
    encoder: EncoderConfig | None = None
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    batcher: BatcherConfig = field(default_factory=BatcherConfig)


class DataPlane:
    """The pipeline over one index, served with micro-batching; reloadable in place."""

    def __init__(
        self,
        config: DataPlaneConfig,
        on_batch: Callable[[int], None] | None = None,
        board: SlotBoard | None = None,
        calls: CallBoard | None = None,
    ) -> None:
        self.config = config
        self._on_batch = on_batch
        self._board = board
        self._calls = calls
        self._pipeline: Pipeline | None = None
        self._batcher: MicroBatcher[Vector] | None = None
        self._loading = asyncio.Lock()  # one load or reload at a time
        # The calls of a batch are ranked together when their vectors come back.
        self._ranking: SameTurn[tuple[PendingDisambiguation, list[Vector]], list[list[TargetResult]]]
        self._ranking = SameTurn(finish_together)

    @property
    def ready(self) -> bool:
        return self._pipeline is not None

    @property
    def batcher(self) -> MicroBatcher[Vector] | None:
        return self._batcher

    async def load(self) -> None:
        async with self._loading:
            pipeline = await asyncio.to_thread(self._load_pipeline, None)
            self._pipeline, self._batcher = pipeline, self._start_batcher(pipeline)

    async def reload(self) -> Manifest:
        """Load the index again (a rebuild switches its ``current`` version) and swap it in.

        Requests in flight finish on the pipeline they started with; if the new index fails to
        load, the error is raised and the old one keeps serving.
        """
        async with self._loading:
            old_pipeline, old_batcher = self._pipeline, self._batcher
            pipeline = await asyncio.to_thread(self._load_pipeline, old_pipeline)
            same_encoder = old_pipeline is not None and pipeline.encoder is old_pipeline.encoder
            batcher = old_batcher if same_encoder and old_batcher else self._start_batcher(pipeline)
            self._pipeline, self._batcher = pipeline, batcher
            if old_batcher is not None and old_batcher is not batcher:
                await old_batcher.drain()
            return pipeline.index.manifest

    def _load_pipeline(self, current: Pipeline | None) -> Pipeline:
        """A new pipeline over the index; it shares ``current``'s encoder when the index allows."""
        encoder = current.encoder if current is not None and self._can_query(current.encoder) else None
        return Disambiguator.load(
            self.config.index,
            None if encoder else self._encoder_config(),
            encoder=encoder,
            limits=self.config.limits,
        ).pipeline

    def _encoder_config(self) -> EncoderConfig:
        """The configured encoder, else the index's; one thread a batch unless told otherwise,
        since the batcher encodes several batches at once."""
        config = self.config.encoder or read_manifest(self.config.index).encoder_config()
        return config if config.threads else replace(config, threads=1)

    def _can_query(self, encoder: Encoder) -> bool:
        try:
            check_compatible(read_manifest(self.config.index).encoder, encoder.signature, self.config.index)
        except SenseIndexError:
            return False
        return True

    def _start_batcher(self, pipeline: Pipeline) -> MicroBatcher[Vector]:
        batcher: MicroBatcher[Vector] = MicroBatcher(
            pipeline.encoder.encode, self.config.batcher, self._on_batch, self._board
        )
        batcher.start()
        return batcher

    async def close(self) -> None:
        batcher, self._batcher, self._pipeline = self._batcher, None, None
        if batcher is not None:
            await batcher.stop()

    def _ready(self) -> tuple[Pipeline, MicroBatcher[Vector]]:
        if self._pipeline is None or self._batcher is None:
            raise UnavailableError("the service is loading its encoder and index; retry shortly")
        return self._pipeline, self._batcher

    def admit(self, words: int, timeout: float) -> None:
        """Refuse at once what cannot be encoded in ``timeout``: a transport may ask before it has
        decoded a request, with the words a cheap count of its bytes suggests."""
        _, batcher = self._ready()
        self._admit(batcher, words, timeout)

    def _admit(self, batcher: MicroBatcher[Vector], words: int, timeout: float) -> None:
        """Admission for calls within the word limit; the limit refuses the rest, and a caller
        told to retry later what can never pass would retry for nothing."""
        if words <= self.config.limits.max_words:
            batcher.admit(words, timeout)

    async def disambiguate(
        self, documents: Sequence[Document], top_k: int, timeout: float | None, include_glosses: bool = True
    ) -> list[list[TargetResult]]:
        pipeline, batcher = self._ready()
        # Tokenising and ranking take about 1 ms a sentence: on the loop for small requests (a
        # thread hop cost throughput when measured), the calls of a batch ranked together, and
        # in a thread for big ones so that a 10,000-word request does not stall everyone else.
        if timeout is not None:  # refuse before preparing, as cheaply as possible, what cannot make it
            self._admit(batcher, _rough_words(documents), timeout)
        big = _is_big(documents)
        with self._counted():
            pending = await _maybe_in_thread(big, pipeline.disambiguation, documents, top_k, include_glosses)
            vectors = await batcher.encode(pending.words, timeout)
            if big:
                return await asyncio.to_thread(pending.finish, vectors)
            return await self._ranking.submit((pending, vectors))

    async def nearest_senses(
        self, document: Document, top_k: int, timeout: float | None, include_glosses: bool = True
    ) -> list[TargetResult]:
        """Like ``disambiguate`` for one document: admission, the shared encoder batches, then
        the graph search (in a thread for big documents)."""
        pipeline, batcher = self._ready()
        if timeout is not None:
            self._admit(batcher, _rough_words([document]), timeout)
        big = _is_big([document])
        with self._counted():
            pending = await _maybe_in_thread(big, pipeline.nearest, document, top_k, include_glosses)
            vectors = await batcher.encode(pending.words, timeout)
            return await _maybe_in_thread(big, pending.finish, vectors)

    def _counted(self) -> contextlib.AbstractContextManager[None]:
        """A call in progress, on the board the workers share (peers hand calls to the least busy)."""
        return self._calls.serving() if self._calls is not None else contextlib.nullcontext()

    async def embed(self, document: Document, layers: Sequence[int], include_static: bool) -> Embedding:
        pipeline, batcher = self._ready()
        pending = pipeline.embedding(document, layers, include_static)  # checked before queueing
        # Another layer choice is another forward pass: it runs on an encoder thread beside the batches.
        return await batcher.run_on_encoder_thread(lambda: pending.run(pipeline.encoder))

    def lookup_senses(self, lemma: str, pos: str | None, include_vectors: bool) -> list[SenseInfo]:
        pipeline, _ = self._ready()
        return pipeline.lookup_senses(lemma, pos, include_vectors)

    def manifest(self) -> Manifest:
        pipeline, _ = self._ready()
        return pipeline.index_info()
