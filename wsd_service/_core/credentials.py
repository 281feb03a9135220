"""Access control: TLS credentials (optionally requiring client certificates) and bearer tokens.

Shared by the server and the clients; tokens are compared in constant time and never logged.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from .errors import WsdError

log = logging.getLogger("wsd_service.server")

AUTH_HEADER = "authorization"
# Probes must work without credentials: orchestrators do not carry tokens.
_OPEN_PREFIXES = ("/grpc.health.v1.Health/",)


@dataclass(frozen=True, slots=True)
class TlsConfig:
    """PEM files. With ``client_ca_file`` the server requires client certificates it signed."""

    cert_file: Path
    key_file: Path
    client_ca_file: Path | None = None


@dataclass(frozen=True, slots=True)
class ClientTls:
    """PEM files for a client: the CA that signed the server, and an optional client certificate."""

    ca_file: Path | None = None  # None: the system's trusted roots
    cert_file: Path | None = None
    key_file: Path | None = None


def _read(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise WsdError(f"{what} {path}: {error.strerror or error}") from None


def server_credentials(tls: TlsConfig) -> grpc.ServerCredentials:
    pair = (_read(tls.key_file, "TLS key"), _read(tls.cert_file, "TLS certificate"))
    if tls.client_ca_file is None:
        return grpc.ssl_server_credentials([pair])
    roots = _read(tls.client_ca_file, "client CA")
    return grpc.ssl_server_credentials([pair], root_certificates=roots, require_client_auth=True)


def channel_credentials(tls: ClientTls) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=_read(tls.ca_file, "CA certificate") if tls.ca_file else None,
        private_key=_read(tls.key_file, "client key") if tls.key_file else None,
        certificate_chain=_read(tls.cert_file, "client certificate") if tls.cert_file else None,
    )


def read_tokens(path: Path) -> frozenset[str]:
    """Accepted tokens, one per line; blank lines and ``#`` comments are ignored."""
    lines = _read(path, "token file").decode("utf-8", errors="replace").splitlines()
    tokens = frozenset(s for line in lines if (s := line.strip()) and not s.startswith("#"))
    if not tokens:
        raise WsdError(f"token file {path} holds no token")
    return tokens


def read_token(path: Path) -> str:
    """A client's token: the first one in the file."""
    return min(read_tokens(path))


def token_metadata(token: str | None) -> tuple[tuple[str, str], ...] | None:
    return ((AUTH_HEADER, f"Bearer {token}"),) if token else None


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
