"""wsd.v1.WsdService: translates messages to engine calls and back, nothing else.

Errors are raised as engine exceptions; the interceptor turns them into status codes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from .._core import convert as convert
from .._core.errors import InputError
from .._proto.wsd.v1 import wsd_service_pb2 as pb
from .._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc
from .engine import AsyncEngine
from .interceptor import status_for
from .ordered import map_ordered

# Stream items in flight at once: enough to fill encoder batches, bounded for memory.
STREAM_CONCURRENCY = 64


class WsdServicer(pb_grpc.WsdServiceServicer):  # type: ignore[misc]
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def Disambiguate(  # noqa: N802 - gRPC method names
        self, request: pb.DisambiguateRequest, context: grpc.aio.ServicerContext
    ) -> pb.DisambiguateResponse:
        top_k = _top_k(request.options)
        documents = [
            convert.document_from_proto(d, f"documents[{i}]") for i, d in enumerate(request.documents)
        ]
        results = await self._engine.disambiguate(documents, top_k, context.time_remaining())
        include = request.options.include_glosses
        return pb.DisambiguateResponse(
            documents=[convert.document_result_to_proto(r, include) for r in results]
        )

    async def DisambiguateStream(  # noqa: N802
        self, requests: AsyncIterator[pb.DisambiguateStreamRequest], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.DisambiguateStreamResponse]:
        async def answer(request: pb.DisambiguateStreamRequest) -> pb.DisambiguateStreamResponse:
            return await self._stream_item(request, context.time_remaining())

        async for response in map_ordered(requests, answer, STREAM_CONCURRENCY):
            yield response

    async def _stream_item(
        self, request: pb.DisambiguateStreamRequest, timeout: float | None
    ) -> pb.DisambiguateStreamResponse:
        try:
            document = convert.document_from_proto(request.document, "document")
            [result] = await self._engine.disambiguate([document], _top_k(request.options), timeout)
        except Exception as error:
            code = status_for(error)
            if code is grpc.StatusCode.INTERNAL or code is grpc.StatusCode.UNAVAILABLE:
                raise  # not this item's fault: the whole stream fails
            item_error = pb.ItemError(code=code.value[0], message=str(error))
            return pb.DisambiguateStreamResponse(id=request.id, error=item_error)
        include = request.options.include_glosses
        return pb.DisambiguateStreamResponse(
            id=request.id, result=convert.document_result_to_proto(result, include)
        )

    async def Embed(  # noqa: N802
        self, request: pb.EmbedRequest, context: grpc.aio.ServicerContext
    ) -> pb.EmbedResponse:
        document = convert.document_from_proto(_as_document(request), "content")
        layers, words = await self._engine.embed(document, list(request.layers), request.include_static)
        return pb.EmbedResponse(
            dimension=len(words[0].contextual) if words else 0,
            layers=layers,
            words=[
                pb.WordVector(
                    text=w.text,
                    char_start=w.start or 0,
                    char_end=w.end or 0,
                    contextual=w.contextual.tolist(),
                    static=[] if w.static is None else w.static.tolist(),
                )
                for w in words
            ],
        )

    async def LookupSenses(  # noqa: N802
        self, request: pb.LookupSensesRequest, context: grpc.aio.ServicerContext
    ) -> pb.LookupSensesResponse:
        pos = convert.pos_from_proto(request.pos, "pos")
        senses = self._engine.lookup(request.lemma, pos)
        return pb.LookupSensesResponse(
            lemma=request.lemma, senses=[convert.sense_info_to_proto(s, row) for s, row in senses]
        )

    async def GetIndexInfo(  # noqa: N802
        self, request: pb.GetIndexInfoRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetIndexInfoResponse:
        return convert.index_info_to_proto(self._engine.manifest())


def _top_k(options: pb.DisambiguateOptions) -> int:
    return options.top_k or 1


def _as_document(request: pb.EmbedRequest) -> pb.Document:
    content = request.WhichOneof("content")
    if content == "text":
        return pb.Document(text=request.text)
    if content == "tokens":
        return pb.Document(tokens=request.tokens)
    raise InputError("content: set either text or tokens")
