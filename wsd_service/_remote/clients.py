"""``WsdClient`` and ``AsyncWsdClient``: ``WsdApi`` over gRPC, the engine's types and errors."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any

import grpc

from .._core import convert
from .._core.config import DISAMBIGUATE_TOP_K, MAX_MESSAGE_BYTES, NEAREST_TOP_K, ClientConfig
from .._core.credentials import ClientTls
from .._core.documents import Embedding, SenseInfo, StreamResult, TargetResult
from .._core.errors import InputError
from .._core.interface import DocumentLike, as_document
from .._core.manifest import Manifest
from .._core.paths import DEFAULT_TARGET
from .._core.status import error_from_rpc
from .._proto.wsd.v1 import wsd_service_pb2 as pb
from .._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc
from .channel import open_channel, token_metadata


class _Connection:
    """One channel to ``target`` (any gRPC target: ``host:port``, ``dns:///host:port``, ...)."""

    _channels: Any = grpc  # the module whose channels this client opens

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        timeout: float | None = ClientConfig().timeout,
        tls: ClientTls | None = None,
        token: str | None = None,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        self._channel = open_channel(self._channels, target, tls, max_message_bytes)
        self._stub = pb_grpc.WsdServiceStub(self._channel)
        self._metadata = token_metadata(token)
        self.timeout = timeout

    def _options(self) -> dict[str, Any]:
        return {"timeout": self.timeout, "metadata": self._metadata}


def _stream_request(
    number: int, item: DocumentLike, options: pb.DisambiguateOptions
) -> pb.DisambiguateStreamRequest:
    """The stream's ``number``-th request; ids count from 0 so answers can be matched back."""
    document = convert.document_to_proto(as_document(item))
    return pb.DisambiguateStreamRequest(id=str(number), document=document, options=options)


class WsdClient(_Connection):
    """Blocking client; ``with WsdClient(target) as client: ...``."""

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, **self._options())
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None

    def disambiguate(
        self, document: DocumentLike, *, top_k: int = DISAMBIGUATE_TOP_K, include_glosses: bool = True
    ) -> list[TargetResult]:
        return self.disambiguate_batch([document], top_k=top_k, include_glosses=include_glosses)[0]

    def disambiguate_batch(
        self,
        documents: Sequence[DocumentLike],
        *,
        top_k: int = DISAMBIGUATE_TOP_K,
        include_glosses: bool = True,
    ) -> list[list[TargetResult]]:
        request = convert.disambiguate_request([as_document(d) for d in documents], top_k, include_glosses)
        return convert.results_from_proto(self._call("Disambiguate", request))

    def disambiguate_stream(
        self,
        documents: Iterable[DocumentLike],
        *,
        top_k: int = DISAMBIGUATE_TOP_K,
        include_glosses: bool = True,
    ) -> Iterator[StreamResult]:
        try:
            options = convert.disambiguate_options(top_k, include_glosses)
        except InputError as error:  # every item's answer, as the engine gives it
            yield from (StreamResult(error=error) for _ in documents)
            return
        responses = self._stub.DisambiguateStream(
            (_stream_request(n, item, options) for n, item in enumerate(documents)), **self._options()
        )
        try:
            for response in responses:
                yield convert.stream_result_from_proto(response)
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None

    def embed(
        self, document: DocumentLike, *, layers: Sequence[int] = (), include_static: bool = False
    ) -> Embedding:
        request = convert.embed_request(as_document(document), layers, include_static)
        return convert.embedding_from_proto(self._call("Embed", request))

    def lookup_senses(
        self, lemma: str, pos: str | None = None, *, include_vectors: bool = False
    ) -> list[SenseInfo]:
        request = convert.lookup_request(lemma, pos, include_vectors)
        return convert.sense_infos_from_proto(self._call("LookupSenses", request))

    def index_info(self) -> Manifest:
        return Manifest.from_json(self._call("GetIndexInfo", pb.GetIndexInfoRequest()).manifest_json)

    def nearest_senses(
        self, document: DocumentLike, *, top_k: int = NEAREST_TOP_K, include_glosses: bool = True
    ) -> list[TargetResult]:
        request = convert.nearest_request(as_document(document), top_k, include_glosses)
        return convert.document_result_from_proto(self._call("NearestSenses", request))

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> WsdClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


async def _aiter(
    documents: Iterable[DocumentLike] | AsyncIterable[DocumentLike],
) -> AsyncIterator[DocumentLike]:
    if isinstance(documents, AsyncIterable):
        async for document in documents:
            yield document
    else:
        for document in documents:
            yield document


class AsyncWsdClient(_Connection):
    """asyncio client; ``async with AsyncWsdClient(target) as client: ...``."""

    _channels = grpc.aio

    async def _call(self, method: str, request: Any) -> Any:
        try:
            return await getattr(self._stub, method)(request, **self._options())
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None

    async def disambiguate(
        self, document: DocumentLike, *, top_k: int = DISAMBIGUATE_TOP_K, include_glosses: bool = True
    ) -> list[TargetResult]:
        return (await self.disambiguate_batch([document], top_k=top_k, include_glosses=include_glosses))[0]

    async def disambiguate_batch(
        self,
        documents: Sequence[DocumentLike],
        *,
        top_k: int = DISAMBIGUATE_TOP_K,
        include_glosses: bool = True,
    ) -> list[list[TargetResult]]:
        request = convert.disambiguate_request([as_document(d) for d in documents], top_k, include_glosses)
        return convert.results_from_proto(await self._call("Disambiguate", request))

    async def disambiguate_stream(
        self,
        documents: Iterable[DocumentLike] | AsyncIterable[DocumentLike],
        *,
        top_k: int = DISAMBIGUATE_TOP_K,
        include_glosses: bool = True,
    ) -> AsyncIterator[StreamResult]:
        try:
            options = convert.disambiguate_options(top_k, include_glosses)
        except InputError as error:  # every item's answer, as the engine gives it
            async for _ in _aiter(documents):
                yield StreamResult(error=error)
            return

        async def requests() -> AsyncIterator[pb.DisambiguateStreamRequest]:
            number = 0
            async for item in _aiter(documents):
                yield _stream_request(number, item, options)
                number += 1

        call = self._stub.DisambiguateStream(requests(), **self._options())
        try:
            async for response in call:
                yield convert.stream_result_from_proto(response)
        except grpc.RpcError as error:
            raise error_from_rpc(error) from None

    async def embed(
        self, document: DocumentLike, *, layers: Sequence[int] = (), include_static: bool = False
    ) -> Embedding:
        request = convert.embed_request(as_document(document), layers, include_static)
        return convert.embedding_from_proto(await self._call("Embed", request))

    async def lookup_senses(
        self, lemma: str, pos: str | None = None, *, include_vectors: bool = False
    ) -> list[SenseInfo]:
        request = convert.lookup_request(lemma, pos, include_vectors)
        return convert.sense_infos_from_proto(await self._call("LookupSenses", request))

    async def index_info(self) -> Manifest:
        response = await self._call("GetIndexInfo", pb.GetIndexInfoRequest())
        return Manifest.from_json(response.manifest_json)

    async def nearest_senses(
        self, document: DocumentLike, *, top_k: int = NEAREST_TOP_K, include_glosses: bool = True
    ) -> list[TargetResult]:
        request = convert.nearest_request(as_document(document), top_k, include_glosses)
        return convert.document_result_from_proto(await self._call("NearestSenses", request))

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> AsyncWsdClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()
