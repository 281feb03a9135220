"""``wsd-service query``: ask a running server. Imports no engine, so one call is quick."""

from __future__ import annotations

import argparse

from .._core.credentials import ClientTls, read_token
from .._remote.clients import WsdClient
from .output import print_results


def client_tls(args: argparse.Namespace) -> ClientTls | None:
    secure = args.tls or args.tls_ca or args.tls_cert
    return ClientTls(args.tls_ca, args.tls_cert, args.tls_key) if secure else None


def open_client(args: argparse.Namespace) -> WsdClient:
    """A client of ``args.server`` with the command's timeout, TLS and token options."""
    token = read_token(args.token_file) if args.token_file else None
    return WsdClient(args.server, timeout=args.timeout, tls=client_tls(args), token=token)


def query(args: argparse.Namespace) -> int:
    with open_client(args) as client:
        results = client.disambiguate(args.text, top_k=args.top_k)
    print_results(results, args.json)
    return 0
