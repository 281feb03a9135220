"""Client channels: target, TLS, bearer token and retry policy."""

from __future__ import annotations

import json
from typing import Any

import grpc

from .._core.credentials import AUTH_HEADER, ClientTls, read_file

SERVICE = "wsd.v1.WsdService"

# UNAVAILABLE (a server still loading, restarting or draining) is retried with backoff by gRPC
# itself; every other status is the answer. https://github.com/grpc/proposal/blob/master/A6-client-retries.md
_RETRY_POLICY = {
    "maxAttempts": 5,
    "initialBackoff": "0.2s",
    "maxBackoff": "2s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": ["UNAVAILABLE"],
}
# Every address the target resolves to (`dns:///wsd:50051`, `ipv4:10.0.0.1:50051,10.0.0.2:50051`)
# gets calls in turn, and a replica whose health says NOT_SERVING for the service (loading,
# draining) gets none until it serves again: client-side balancing across replicas.
# https://github.com/grpc/proposal/blob/master/A17-client-side-health-checking.md
SERVICE_CONFIG = json.dumps(
    {
        "loadBalancingConfig": [{"round_robin": {}}],
        "healthCheckConfig": {"serviceName": SERVICE},
        "methodConfig": [{"name": [{"service": SERVICE}], "retryPolicy": _RETRY_POLICY}],
    }
)


def channel_options(max_message_bytes: int) -> list[tuple[str, Any]]:
    return [
        ("grpc.service_config", SERVICE_CONFIG),
        ("grpc.enable_retries", 1),
        ("grpc.max_receive_message_length", max_message_bytes),
        ("grpc.max_send_message_length", max_message_bytes),
    ]


def open_channel(channels: Any, target: str, tls: ClientTls | None, max_message_bytes: int) -> Any:
    """A channel of ``channels`` (``grpc`` or ``grpc.aio``) to ``target``."""
    options = channel_options(max_message_bytes)
    if tls is None:
        return channels.insecure_channel(target, options=options)
    return channels.secure_channel(target, channel_credentials(tls), options=options)


def channel_credentials(tls: ClientTls) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=read_file(tls.ca_file, "CA certificate") if tls.ca_file else None,
        private_key=read_file(tls.key_file, "client key") if tls.key_file else None,
        certificate_chain=read_file(tls.cert_file, "client certificate") if tls.cert_file else None,
    )


def token_metadata(token: str | None) -> tuple[tuple[str, str], ...] | None:
    return ((AUTH_HEADER, f"Bearer {token}"),) if token else None
