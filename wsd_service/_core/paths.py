"""Where the server listens and clients connect by default."""

from __future__ import annotations

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 50051
DEFAULT_HTTP_PORT = 8080  # where ``serve`` answers HTTP/JSON unless told otherwise
DEFAULT_TARGET = f"{DEFAULT_HOST}:{DEFAULT_PORT}"  # where ``serve`` listens and clients connect
