"""How a command reaches a running server: ``--server``, ``--timeout``, TLS and a bearer token,
one option group for every command that talks to a server, and the client they make."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING

from .._core.config import ClientConfig
from .._core.credentials import ClientTls, read_token
from .._core.environment import DEFAULT_INDEX_DIR
from .._core.errors import InputError

if TYPE_CHECKING:  # gRPC loads when a client opens: the process that supervises workers needs none
    from .._remote.clients import WsdClient

# Destinations of the options that mean something only with --server.
_CONNECTION_OPTIONS = ("timeout", "tls_ca", "tls", "tls_cert", "tls_key", "token_file")


def add_client_options(parser: argparse.ArgumentParser, *, or_index: bool = False) -> None:
    """The client options; with ``or_index``, ``--server`` is instead of a local ``--index``."""
    defaults = ClientConfig()
    title = "local index or server" if or_index else "server"
    group = parser.add_argument_group(title, "a running server and how to reach it")
    if or_index:
        where = group.add_mutually_exclusive_group()
        where.add_argument("--index", type=Path, default=DEFAULT_INDEX_DIR, help="local index")
        where.add_argument("--server", help="gRPC target of a running server instead of a local index")
    else:
        group.add_argument(
            "--server",
            default=defaults.target,
            help="gRPC target: HOST:PORT, dns:///HOST:PORT, ... (default %(default)s)",
        )
    group.add_argument("--timeout", type=_seconds, help=f"seconds per call (default {defaults.timeout:g})")
    group.add_argument("--tls-ca", type=Path, help="connect over TLS, trusting this CA (PEM)")
    group.add_argument("--tls", action="store_true", help="connect over TLS, trusting the system's CAs")
    group.add_argument("--tls-cert", type=Path, help="client certificate (PEM), for mutual TLS")
    group.add_argument("--tls-key", type=Path, help="client private key (PEM)")
    group.add_argument("--token-file", type=Path, help="file whose first token is sent as Bearer")


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return seconds


def client_config(args: argparse.Namespace) -> ClientConfig:
    """The client the options describe; the token is read from its file here."""
    return ClientConfig(
        target=args.server,
        timeout=ClientConfig().timeout if args.timeout is None else args.timeout,
        tls=_tls(args),
        token=read_token(args.token_file) if args.token_file else None,
    )


def _tls(args: argparse.Namespace) -> ClientTls | None:
    if (args.tls_cert is None) != (args.tls_key is None):
        raise InputError("mutual TLS needs both --tls-cert and --tls-key")
    secure = args.tls or args.tls_ca or args.tls_cert
    return ClientTls(args.tls_ca, args.tls_cert, args.tls_key) if secure else None


def refuse_client_options(args: argparse.Namespace) -> None:
    """A local run would ignore the client options given: name them instead."""
    given = [name for name in _CONNECTION_OPTIONS if getattr(args, name) not in (None, False)]
    if given:
        options = ", ".join("--" + name.replace("_", "-") for name in given)
        raise InputError(f"{options}: only with --server")


def open_client(config: ClientConfig) -> WsdClient:
    from .._remote.clients import WsdClient

    return WsdClient(config.target, timeout=config.timeout, tls=config.tls, token=config.token)
