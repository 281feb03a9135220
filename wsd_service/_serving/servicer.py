"""wsd.v1.WsdService over gRPC: each RPC hands its message and deadline to ``WsdCalls``.

Errors are raised as engine exceptions; the interceptor turns them into statuses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TypeVar

import grpc
from google.protobuf.message import Message

from .._core.errors import WsdError
from .._proto.wsd.v1 import wsd_service_pb2 as pb
from .._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc
from .calls import WsdCalls
from .handoff import Handoff, handed_over

Answer = TypeVar("Answer", bound=Message)


class WsdServicer(pb_grpc.WsdServiceServicer):  # type: ignore[misc]
    def __init__(self, calls: WsdCalls, handoff: Handoff | None = None) -> None:
        self._calls = calls
        self._handoff = handoff  # other workers of this serve, to hand calls to when busier

    async def Disambiguate(  # noqa: N802 - gRPC method names
        self, request: pb.DisambiguateRequest, context: grpc.aio.ServicerContext
    ) -> pb.DisambiguateResponse:
        answer = await self._handed("Disambiguate", request, context, pb.DisambiguateResponse)
        if answer is not None:
            return answer
        return await self._calls.disambiguate(request, context.time_remaining())

    async def DisambiguateStream(  # noqa: N802
        self,
        requests: AsyncIterator[pb.DisambiguateStreamRequest | WsdError],  # WsdError: an undecodable item
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[pb.DisambiguateStreamResponse]:
        async for response in self._calls.disambiguate_stream(requests, context.time_remaining):
            yield response

    async def Embed(  # noqa: N802
        self, request: pb.EmbedRequest, context: grpc.aio.ServicerContext
    ) -> pb.EmbedResponse:
        return await self._calls.embed(request)

    async def LookupSenses(  # noqa: N802
        self, request: pb.LookupSensesRequest, context: grpc.aio.ServicerContext
    ) -> pb.LookupSensesResponse:
        return await self._calls.lookup_senses(request)

    async def NearestSenses(  # noqa: N802
        self, request: pb.NearestSensesRequest, context: grpc.aio.ServicerContext
    ) -> pb.NearestSensesResponse:
        answer = await self._handed("NearestSenses", request, context, pb.NearestSensesResponse)
        if answer is not None:
            return answer
        return await self._calls.nearest_senses(request, context.time_remaining())

    async def _handed(
        self, method: str, request: Message, context: grpc.aio.ServicerContext, answered: type[Answer]
    ) -> Answer | None:
        """A less busy worker's answer, or None: this worker serves the call."""
        if self._handoff is None or handed_over(context):
            return None
        peer = self._handoff.peer()
        answer = None if peer is None else await self._handoff.call(peer, method, request, context)
        return answer if isinstance(answer, answered) else None

    async def GetIndexInfo(  # noqa: N802
        self, request: pb.GetIndexInfoRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetIndexInfoResponse:
        return await self._calls.index_info()
