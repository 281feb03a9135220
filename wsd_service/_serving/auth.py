"""Server side of access control: TLS credentials and bearer tokens, for both transports.

Tokens are compared in constant time and never logged.
"""

from __future__ import annotations

import hmac
import logging
import ssl
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


def server_ssl_context(tls: TlsConfig) -> ssl.SSLContext:
    """The same certificate, key and client CA for HTTPS as ``server_credentials`` for gRPC."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls.cert_file, tls.key_file)
    if tls.client_ca_file is not None:
        context.load_verify_locations(tls.client_ca_file)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


class TokenCheck:
    """Whether an ``authorization`` value carries a known bearer token. The scheme name is
    case-insensitive (RFC 7235); every token is compared, so timing does not tell which one
    nearly matched."""

    def __init__(self, tokens: frozenset[str]) -> None:
        self._tokens = tuple(t.encode() for t in tokens)

    def allows(self, authorization: str | None) -> bool:
        scheme, _, offered = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not offered.strip():
            return False
        candidate = offered.strip().encode("utf-8", "surrogateescape")  # aiohttp's decoding of bad bytes
        return sum(hmac.compare_digest(candidate, token) for token in self._tokens) > 0


class TokenAuthInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """UNAUTHENTICATED unless the call carries ``authorization: Bearer <token>`` with a known token."""

    def __init__(self, tokens: frozenset[str], on_reject: Callable[[str], None] | None = None) -> None:
        self._check = TokenCheck(tokens)
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
            if key == AUTH_HEADER and isinstance(value, str):
                return self._check.allows(value)
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
