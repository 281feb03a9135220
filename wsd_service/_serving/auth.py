"""Server side of access control: TLS credentials and the bearer-token interceptor.

Tokens are compared in constant time and never logged.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from .._core.credentials import AUTH_HEADER, TlsConfig, read_file

log = logging.getLogger("wsd_service.server")

# Probes must work without credentials: orchestrators do not carry tokens.
_OPEN_PREFIXES = ("/grpc.health.v1.Health/",)


def server_credentials(tls: TlsConfig) -> grpc.ServerCredentials:
    pair = (read_file(tls.key_file, "TLS key"), read_file(tls.cert_file, "TLS certificate"))
    if tls.client_ca_file is None:
        return grpc.ssl_server_credentials([pair])
    roots = read_file(tls.client_ca_file, "client CA")
    return grpc.ssl_server_credentials([pair], root_certificates=roots, require_client_auth=True)


class TokenAuthInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """UNAUTHENTICATED unless the call carries ``authorization: Bearer <token>`` with a known token."""

    def __init__(self, tokens: frozenset[str], on_reject: Callable[[str], None] | None = None) -> None:
        self._tokens = tuple(t.encode() for t in tokens)
        self._on_reject = on_reject

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], details: grpc.HandlerCallDetails
    ) -> Any:
        if details.method.startswith(_OPEN_PREFIXES) or self._authorised(details.invocation_metadata):
            return await continuation(details)
        handler = await continuation(details)
        if handler is None:
            return None
        if self._on_reject is not None:
            self._on_reject(details.method.rsplit("/", 1)[-1])
        log.info("%s: UNAUTHENTICATED (missing or unknown token)", details.method)
        return _refusing(handler)

    def _authorised(self, metadata: Any) -> bool:
        for key, value in metadata or ():
            if key == AUTH_HEADER and isinstance(value, str) and value.startswith("Bearer "):
                offered = value.removeprefix("Bearer ").strip().encode()
                # Every token is compared, so timing does not tell which one nearly matched.
                return sum(hmac.compare_digest(offered, token) for token in self._tokens) > 0
        return False


async def _deny(request: Any, context: grpc.aio.ServicerContext) -> Any:
    await context.abort(grpc.StatusCode.UNAUTHENTICATED, "a valid token is required (authorization: Bearer)")


def _refusing(handler: Any) -> Any:
    """A handler of the same kind as ``handler`` that only refuses the call."""
    codec = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(_deny, **codec)
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(_deny, **codec)
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(_deny, **codec)
    return grpc.stream_stream_rpc_method_handler(_deny, **codec)
