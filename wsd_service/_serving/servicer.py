"""wsd.v1.WsdService over gRPC: each RPC hands its message and deadline to ``WsdCalls``.

Errors are raised as engine exceptions; the interceptor turns them into statuses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from .._core.errors import WsdError
from .._proto.wsd.v1 import wsd_service_pb2 as pb
from .._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc
from .calls import WsdCalls


class WsdServicer(pb_grpc.WsdServiceServicer):  # type: ignore[misc]
    def __init__(self, calls: WsdCalls) -> None:
        self._calls = calls

    async def Disambiguate(  # noqa: N802 - gRPC method names
        self, request: pb.DisambiguateRequest, context: grpc.aio.ServicerContext
    ) -> pb.DisambiguateResponse:
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
        return await self._calls.nearest_senses(request, context.time_remaining())

    async def GetIndexInfo(  # noqa: N802
        self, request: pb.GetIndexInfoRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetIndexInfoResponse:
        return await self._calls.index_info()
