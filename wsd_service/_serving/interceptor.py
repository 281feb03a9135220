"""Server interceptor: engine exceptions become status codes; every RPC is counted and timed.

A user's mistake is never INTERNAL: only an exception the engine did not raise on purpose is,
and it is logged with its traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from .._core.errors import InputError, WsdError
from .._core.status import DETAILS_KEY, to_status
from .handoff import handed_over
from .metrics import ServerMetrics

log = logging.getLogger("wsd_service.server")


def status_for(error: Exception) -> grpc.StatusCode:
    """The status code for an exception; INTERNAL only for ones the engine did not mean."""
    return grpc.StatusCode[error.code] if isinstance(error, WsdError) else grpc.StatusCode.INTERNAL


@dataclass(frozen=True, slots=True)
class _Undecodable:
    """Stands in for a request that failed to parse, so the handler can refuse it by name."""

    message: str


def _tolerant(deserialize: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    """gRPC answers INTERNAL when a deserializer raises; a client's bad bytes are its mistake."""
    if deserialize is None:
        return None
    name = getattr(getattr(deserialize, "__self__", None), "__name__", "message")

    def parse(data: bytes) -> Any:
        try:
            return deserialize(data)
        except DecodeError as error:
            return _Undecodable(f"the request is not a valid {name}: {error}")

    return parse


def _decoded(request: Any) -> Any:
    if isinstance(request, _Undecodable):
        raise InputError(request.message)
    return request


async def _decoded_stream(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """A stream's undecodable item is handed on as its error: answered in its place, and the
    stream goes on (as an HTTP stream's bad line is)."""
    async for request in requests:
        yield InputError(request.message) if isinstance(request, _Undecodable) else request


class ErrorInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    def __init__(self, metrics: ServerMetrics) -> None:
        self._metrics = metrics

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], details: grpc.HandlerCallDetails
    ) -> Any:
        handler = await continuation(details)
        method = details.method.rsplit("/", 1)[-1]
        if handler is None or not details.method.startswith("/wsd.v1."):
            return handler  # health and reflection keep their own behaviour
        codec = {
            "request_deserializer": _tolerant(handler.request_deserializer),
            "response_serializer": handler.response_serializer,
        }
        if handler.unary_unary is not None:
            return grpc.unary_unary_rpc_method_handler(self._unary(method, handler.unary_unary), **codec)
        if handler.stream_stream is not None:
            return grpc.stream_stream_rpc_method_handler(
                self._streaming(method, handler.stream_stream), **codec
            )
        return handler

    def _unary(
        self, method: str, inner: Callable[[Any, Any], Awaitable[Any]]
    ) -> Callable[[Any, Any], Awaitable[Any]]:
        async def handle(request: Any, context: grpc.aio.ServicerContext) -> Any:
            async with self._guard(method, context):
                return await inner(_decoded(request), context)
            raise AssertionError("unreachable: _guard re-raises or aborts")  # pragma: no cover

        return handle

    def _streaming(
        self, method: str, inner: Callable[[Any, Any], AsyncIterator[Any]]
    ) -> Callable[[Any, Any], AsyncIterator[Any]]:
        async def handle(requests: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            async with self._guard(method, context):
                async for response in inner(_decoded_stream(requests), context):
                    yield response

        return handle

    @contextlib.asynccontextmanager
    async def _guard(self, method: str, context: grpc.aio.ServicerContext) -> AsyncIterator[None]:
        """Times and counts one RPC; an exception becomes its status code (abort raises)."""
        started = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            yield
        except grpc.aio.AbortError:
            raise
        except asyncio.CancelledError:  # the client went away; its queued work was dropped
            code = grpc.StatusCode.CANCELLED
            raise
        except Exception as error:
            code = status_for(error)
            await self._abort(context, method, code, error)
        finally:
            transport = "handoff" if handed_over(context) else "grpc"
            self._metrics.record(transport, method, code.name, time.perf_counter() - started)

    @staticmethod
    async def _abort(
        context: grpc.aio.ServicerContext, method: str, code: grpc.StatusCode, error: Exception
    ) -> None:
        if isinstance(error, WsdError):
            log.info("%s: %s: %s", method, code.name, error)
            details = ((DETAILS_KEY, to_status(error).SerializeToString()),)
            await context.abort(code, str(error), trailing_metadata=details)
        log.exception("%s failed", method)
        await context.abort(code, "internal error; the server log has the details")
