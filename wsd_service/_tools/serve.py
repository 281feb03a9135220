"""``wsd-service serve``: the gRPC server until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import os

from .._core.config import BatcherConfig, EncoderConfig, LimitsConfig, ServerConfig
from .._core.credentials import TlsConfig, read_tokens
from .._core.errors import InputError
from .._core.manifest import MANIFEST_FILE, resolve_index_dir
from .._core.paths import DEFAULT_INDEX_DIR
from .._serving.supervisor import Supervisor, default_workers
from .encoder_options import encoder_overrides, index_encoder


def serve(args: argparse.Namespace) -> int:
    # The encoder slots keep every core busy: BLAS threads in ranking's products would only
    # compete with them. Set before numpy loads; worker processes inherit it.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    config = server_config(args)
    workers = default_workers() if args.workers is None else args.workers
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    if workers == 1:
        from .._serving.server import serve_forever  # the supervisor process needs none of it

        asyncio.run(serve_forever(config))
        return 0
    return Supervisor(config, workers, log_json=args.log_json).run()


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
    return EncoderConfig(**encoder_overrides(args))  # the default index, built on first start


def _server_tls(args: argparse.Namespace) -> TlsConfig | None:
    if (args.tls_cert is None) != (args.tls_key is None):
        raise InputError("TLS needs both --tls-cert and --tls-key")
    if args.tls_cert is None:
        if args.tls_client_ca is not None:
            raise InputError("--tls-client-ca needs --tls-cert and --tls-key")
        return None
    return TlsConfig(args.tls_cert, args.tls_key, args.tls_client_ca)
