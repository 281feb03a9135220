"""Python clients of a wsd-service server, synchronous and asyncio, returning typed results.

from wsd_service.client import WsdClient
with WsdClient("127.0.0.1:50051") as client:
    for target in client.disambiguate("I went to the bank and withdrew some cash."):
        print(target.text, target.best.key if target.best else None)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import grpc

from ._core import convert as convert
from ._core.credentials import ClientTls as ClientTls  # re-exported: clients build it
from ._core.credentials import channel_credentials, token_metadata
from ._core.documents import Document, InputToken, TargetResult
from ._core.errors import WsdError
from ._core.sense import Sense
from ._proto.wsd.v1 import wsd_service_pb2 as pb
from ._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc

DocumentLike = str | Document | Sequence[InputToken]


class RemoteError(WsdError):
    """The server answered with an error status."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class SenseInfo:
    """A sense of the server's inventory and what its index holds for it."""

    sense: Sense
    source: str  # corpus, gloss, propagated or custom
    has_corpus_vector: bool


@dataclass(frozen=True, slots=True)
class WordVector:
    text: str
    start: int
    end: int
    contextual: tuple[float, ...]
    static: tuple[float, ...]


def _document(item: DocumentLike) -> Document:
    if isinstance(item, str):
        return Document(text=item)
    if isinstance(item, Document):
        return item
    return Document(tokens=list(item))


def _request(
    items: Sequence[DocumentLike], top_k: int, glosses: bool
) -> tuple[pb.DisambiguateRequest, list[bool]]:
    documents = [_document(i) for i in items]
    request = pb.DisambiguateRequest(
        documents=[convert.document_to_proto(d) for d in documents],
        options=pb.DisambiguateOptions(top_k=top_k, include_glosses=glosses),
    )
    return request, [d.text is not None for d in documents]


def _results(response: pb.DisambiguateResponse, has_text: list[bool]) -> list[list[TargetResult]]:
    return [
        convert.document_result_from_proto(d, t) for d, t in zip(response.documents, has_text, strict=True)
    ]


def _senses(response: pb.LookupSensesResponse) -> list[SenseInfo]:
    return [
        SenseInfo(
            convert.sense_from_proto(s, response.lemma),
            convert.SOURCE_FROM_PROTO.get(s.source, ""),
            s.has_corpus_vector,
        )
        for s in response.senses
    ]


def _vectors(response: pb.EmbedResponse) -> list[WordVector]:
    return [
        WordVector(w.text, w.char_start, w.char_end, tuple(w.contextual), tuple(w.static))
        for w in response.words
    ]


def _embed_request(text: str, layers: Sequence[int], include_static: bool) -> pb.EmbedRequest:
    return pb.EmbedRequest(text=text, layers=list(layers), include_static=include_static)


def _lookup_request(lemma: str, pos: str | None) -> pb.LookupSensesRequest:
    return pb.LookupSensesRequest(
        lemma=lemma, pos=convert.POS_TO_PROTO.get(pos or "", pb.PART_OF_SPEECH_UNSPECIFIED)
    )


def _remote(error: grpc.RpcError) -> RemoteError:
    return RemoteError(error.code(), error.details() or "")


class _Connection:
    """One channel to the server, reused; ``tls``: connect over TLS; ``token``: a bearer token."""

    _channels: Any = grpc  # the module whose channels this client opens

    def __init__(
        self,
        target: str = "127.0.0.1:50051",
        *,
        timeout: float | None = 30.0,
        tls: ClientTls | None = None,
        token: str | None = None,
    ) -> None:
        if tls is None:
            self._channel = self._channels.insecure_channel(target)
        else:
            self._channel = self._channels.secure_channel(target, channel_credentials(tls))
        self._stub = pb_grpc.WsdServiceStub(self._channel)
        self._metadata = token_metadata(token)
        self.timeout = timeout


class WsdClient(_Connection):
    """Blocking client."""

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._stub, method)(request, timeout=self.timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise _remote(error) from None

    def disambiguate(
        self, item: DocumentLike, *, top_k: int = 1, include_glosses: bool = True
    ) -> list[TargetResult]:
        return self.disambiguate_batch([item], top_k=top_k, include_glosses=include_glosses)[0]

    def disambiguate_batch(
        self, items: Sequence[DocumentLike], *, top_k: int = 1, include_glosses: bool = True
    ) -> list[list[TargetResult]]:
        request, has_text = _request(items, top_k, include_glosses)
        return _results(self._call("Disambiguate", request), has_text)

    def embed(
        self, text: str, *, layers: Sequence[int] = (), include_static: bool = False
    ) -> list[WordVector]:
        return _vectors(self._call("Embed", _embed_request(text, layers, include_static)))

    def lookup_senses(self, lemma: str, pos: str | None = None) -> list[SenseInfo]:
        return _senses(self._call("LookupSenses", _lookup_request(lemma, pos)))

    def index_info(self) -> dict[str, Any]:
        manifest: dict[str, Any] = json.loads(
            self._call("GetIndexInfo", pb.GetIndexInfoRequest()).manifest_json
        )
        return manifest

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> WsdClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


class AsyncWsdClient(_Connection):
    """asyncio client; use ``async with``."""

    _channels = grpc.aio

    async def _call(self, method: str, request: Any) -> Any:
        try:
            return await getattr(self._stub, method)(request, timeout=self.timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise _remote(error) from None

    async def disambiguate(
        self, item: DocumentLike, *, top_k: int = 1, include_glosses: bool = True
    ) -> list[TargetResult]:
        return (await self.disambiguate_batch([item], top_k=top_k, include_glosses=include_glosses))[0]

    async def disambiguate_batch(
        self, items: Sequence[DocumentLike], *, top_k: int = 1, include_glosses: bool = True
    ) -> list[list[TargetResult]]:
        request, has_text = _request(items, top_k, include_glosses)
        return _results(await self._call("Disambiguate", request), has_text)

    async def embed(
        self, text: str, *, layers: Sequence[int] = (), include_static: bool = False
    ) -> list[WordVector]:
        return _vectors(await self._call("Embed", _embed_request(text, layers, include_static)))

    async def lookup_senses(self, lemma: str, pos: str | None = None) -> list[SenseInfo]:
        return _senses(await self._call("LookupSenses", _lookup_request(lemma, pos)))

    async def index_info(self) -> dict[str, Any]:
        response = await self._call("GetIndexInfo", pb.GetIndexInfoRequest())
        manifest: dict[str, Any] = json.loads(response.manifest_json)
        return manifest

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> AsyncWsdClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()
