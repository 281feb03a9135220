"""wsd.v1 calls, whatever carries them: request messages to data-plane calls and back.

The gRPC servicer and the HTTP routes both translate into these, so each RPC means one thing
on either transport. Errors are raised as engine exceptions; each transport turns them into
its own statuses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from .._core import convert
from .._core.config import DISAMBIGUATE_TOP_K, NEAREST_TOP_K
from .._core.errors import WsdError
from .._proto.wsd.v1 import wsd_service_pb2 as pb
from .data_plane import DataPlane
from .ordered import map_ordered

# Stream items in flight at once: enough to fill encoder batches, bounded for memory.
STREAM_CONCURRENCY = 64


class WsdCalls:
    def __init__(self, data_plane: DataPlane) -> None:
        self._data_plane = data_plane

    def admit(self, words: int, timeout: float) -> None:
        self._data_plane.admit(words, timeout)

    async def disambiguate(
        self, request: pb.DisambiguateRequest, timeout: float | None
    ) -> pb.DisambiguateResponse:
        documents = [
            convert.document_from_proto(d, f"documents[{i}]") for i, d in enumerate(request.documents)
        ]
        options = request.options
        results = await self._data_plane.disambiguate(
            documents, _top_k(options), timeout, options.include_glosses
        )
        return pb.DisambiguateResponse(
            documents=[convert.document_result_to_proto(r, options.include_glosses) for r in results]
        )

    async def disambiguate_stream(
        self,
        requests: AsyncIterator[pb.DisambiguateStreamRequest | WsdError],
        remaining: Callable[[], float | None],
    ) -> AsyncIterator[pb.DisambiguateStreamResponse]:
        """Answers in order; an item that could not be read (a ``WsdError`` in place of its
        request) is answered with that error and the stream goes on. Each item is admitted
        against what is left of the stream's deadline when it arrives (``remaining``)."""

        async def answer(item: pb.DisambiguateStreamRequest | WsdError) -> pb.DisambiguateStreamResponse:
            if isinstance(item, WsdError):
                return convert.stream_response("", item, False)
            return await self._stream_item(item, remaining())

        async for response in map_ordered(requests, answer, STREAM_CONCURRENCY):
            yield response

    async def _stream_item(
        self, request: pb.DisambiguateStreamRequest, timeout: float | None
    ) -> pb.DisambiguateStreamResponse:
        options = request.options
        try:
            document = convert.document_from_proto(request.document, "document")
            [result] = await self._data_plane.disambiguate(
                [document], _top_k(options), timeout, options.include_glosses
            )
        except WsdError as error:
            if error.code == "UNAVAILABLE":
                raise  # not this item's fault: the whole stream fails (and so does a bug)
            return convert.stream_response(request.id, error, options.include_glosses)
        return convert.stream_response(request.id, result, options.include_glosses)

    async def embed(self, request: pb.EmbedRequest) -> pb.EmbedResponse:
        document = convert.document_from_proto(request, "content")
        embedding = await self._data_plane.embed(document, list(request.layers), request.include_static)
        return convert.embedding_to_proto(embedding)

    async def lookup_senses(self, request: pb.LookupSensesRequest) -> pb.LookupSensesResponse:
        pos = convert.pos_from_proto(request.pos, "pos")
        senses = self._data_plane.lookup_senses(request.lemma, pos, request.include_vectors)
        return pb.LookupSensesResponse(
            lemma=request.lemma, senses=[convert.sense_info_to_proto(s) for s in senses]
        )

    async def nearest_senses(
        self, request: pb.NearestSensesRequest, timeout: float | None
    ) -> pb.NearestSensesResponse:
        document = convert.document_from_proto(request.document, "document")
        top_k = request.top_k or NEAREST_TOP_K
        targets = await self._data_plane.nearest_senses(document, top_k, timeout, request.include_glosses)
        return convert.nearest_response(targets, request.include_glosses)

    async def index_info(self) -> pb.GetIndexInfoResponse:
        return convert.index_info_to_proto(self._data_plane.manifest())


def _top_k(options: pb.DisambiguateOptions) -> int:
    return options.top_k or DISAMBIGUATE_TOP_K
