"""``wsd-service serve``: the gRPC and HTTP/JSON server until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from threadpoolctl import threadpool_limits

from .._core.config import BatcherConfig, EncoderConfig, LimitsConfig, ServerConfig
from .._core.credentials import TlsConfig, read_tokens
from .._core.environment import DEFAULT_INDEX_DIR
from .._core.errors import InputError
from .._core.manifest import MANIFEST_FILE, resolve_index_dir
from .._core.paths import DEFAULT_HTTP_PORT
from .._serving.supervisor import Supervisor, default_workers
from .encoder_options import add_encoder_options, build_encoder, encoder_overrides, index_encoder
from .registration import Commands


def register(commands: Commands) -> None:
    parser = commands.add_parser("serve", help="run the server: gRPC (wsd.v1.WsdService) and HTTP/JSON")
    parser.add_argument(
        "--index", type=Path, help="index folder (default: the default index, built if missing)"
    )
    _add_server_options(parser)
    _add_batcher_options(parser)
    _add_limit_options(parser)
    _add_lifecycle_options(parser)
    _add_access_options(parser)
    add_encoder_options(parser)
    # A server always logs its lifecycle (loading, serving, draining).
    parser.set_defaults(run=run, verbose=True)


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    server = ServerConfig()
    parser.add_argument("--host", default=server.host, help="address to bind (0.0.0.0: every interface)")
    parser.add_argument("--port", type=int, default=server.port)
    parser.add_argument("--metrics-port", type=int, help="serve Prometheus /metrics on this port")
    parser.add_argument(
        "--http-port",
        type=int,
        default=DEFAULT_HTTP_PORT,
        help=f"HTTP/JSON port beside gRPC, shared by the workers (default {DEFAULT_HTTP_PORT}; 0: off)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="server processes sharing the port"
        " (default: one per core this process may use, cgroup quota included)",
    )
    parser.add_argument("--log-json", action="store_true", help="structured JSON-lines logs")


def _add_batcher_options(parser: argparse.ArgumentParser) -> None:
    batcher = BatcherConfig()
    parser.add_argument(
        "--encoder-slots",
        type=int,
        default=batcher.slots,
        help="batches each worker encodes at once, one thread each (default: one per core)",
    )
    parser.add_argument(
        "--max-batch", type=int, default=batcher.max_batch_sentences, help="sentences per encoder batch"
    )
    parser.add_argument(
        "--max-wait-ms",
        type=float,
        default=batcher.max_wait * 1000,
        help="wait for a batch to fill (0: never wait)",
    )
    parser.add_argument(
        "--max-queue",
        type=int,
        default=batcher.max_queue_sentences,
        help="sentences waiting before RESOURCE_EXHAUSTED",
    )


def _add_limit_options(parser: argparse.ArgumentParser) -> None:
    limits = LimitsConfig()
    parser.add_argument(
        "--max-documents", type=int, default=limits.max_documents, help="documents per request"
    )
    parser.add_argument("--max-words", type=int, default=limits.max_words, help="words per request")
    parser.add_argument("--max-chars", type=int, default=limits.max_chars, help="characters per text")
    parser.add_argument("--max-message-bytes", type=int, default=ServerConfig().max_message_bytes)


def _add_lifecycle_options(parser: argparse.ArgumentParser) -> None:
    server = ServerConfig()
    parser.add_argument(
        "--grace", type=float, default=server.grace_seconds, help="seconds to drain on SIGTERM"
    )
    parser.add_argument(
        "--drain-delay",
        type=float,
        default=server.drain_delay,
        help="seconds of NOT_SERVING health before new calls are refused on SIGTERM",
    )
    parser.add_argument(
        "--max-connection-age",
        type=float,
        default=server.max_connection_age,
        help="seconds before a client connection is closed (gracefully) so clients re-resolve and rebalance",
    )


def _add_access_options(parser: argparse.ArgumentParser) -> None:
    access = parser.add_argument_group("access control")
    access.add_argument("--tls-cert", type=Path, help="server certificate (PEM); with --tls-key: TLS")
    access.add_argument("--tls-key", type=Path, help="server private key (PEM)")
    access.add_argument("--tls-client-ca", type=Path, help="require client certificates signed by this CA")
    access.add_argument("--token-file", type=Path, help="accepted bearer tokens, one per line")


def run(args: argparse.Namespace) -> int:
    one_blas_thread()
    config = server_config(args)
    workers = default_workers() if args.workers is None else args.workers
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    if workers == 1:
        from .._serving.server import serve_forever  # the supervisor process needs none of it

        asyncio.run(serve_forever(config))
        return 0
    return Supervisor(config, workers, log_json=args.log_json).run()


def one_blas_thread() -> None:
    """Ranking's matrix products on one BLAS thread, in this process and the workers it starts,
    unless ``OPENBLAS_NUM_THREADS`` says otherwise: the encoder slots keep every core busy, and
    a spare OpenBLAS thread spins between products on a core of its own."""
    if "OPENBLAS_NUM_THREADS" in os.environ:
        return
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # each worker's numpy reads it when it loads
    threadpool_limits(1, user_api="blas")  # for numpy a caller of this process loaded already


def server_config(args: argparse.Namespace) -> ServerConfig:
    return ServerConfig(
        index=args.index,
        host=args.host,
        port=args.port,
        encoder=_encoder(args),
        limits=LimitsConfig(args.max_documents, args.max_words, args.max_chars),
        batcher=BatcherConfig(
            max_batch_sentences=args.max_batch,
            max_wait=args.max_wait_ms / 1000,
            max_queue_sentences=args.max_queue,
            slots=args.encoder_slots,
        ),
        max_message_bytes=args.max_message_bytes,
        metrics_port=args.metrics_port,
        http_port=args.http_port or None,
        grace_seconds=args.grace,
        drain_delay=args.drain_delay,
        max_connection_age=args.max_connection_age,
        tls=_server_tls(args),
        tokens=read_tokens(args.token_file) if args.token_file else frozenset(),
    )


def _encoder(args: argparse.Namespace) -> EncoderConfig | None:
    """None (the index's layers, its fastest allowed backend) unless encoder options were given."""
    if not encoder_overrides(args):
        return None
    index = args.index or DEFAULT_INDEX_DIR
    if (resolve_index_dir(index) / MANIFEST_FILE).is_file():
        return index_encoder(index, args)
    return build_encoder(args)  # the default index, built on first start


def _server_tls(args: argparse.Namespace) -> TlsConfig | None:
    if (args.tls_cert is None) != (args.tls_key is None):
        raise InputError("TLS needs both --tls-cert and --tls-key")
    if args.tls_cert is None:
        if args.tls_client_ca is not None:
            raise InputError("--tls-client-ca needs --tls-cert and --tls-key")
        return None
    return TlsConfig(args.tls_cert, args.tls_key, args.tls_client_ca)
