"""HTTP request bodies and headers to what the data plane takes, free of I/O: proto3 JSON to
request messages, deadline headers to seconds; every refusal names the problem."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

from google.protobuf import json_format
from google.protobuf.message import Message

from .._core.errors import InputError

Request = TypeVar("Request", bound=Message)

JSON_TYPE = "application/json"
# What a JSON body may be sent as: curl -d's default type, and none at all (read as
# application/octet-stream), are taken as JSON too.
JSON_BODY_TYPES = frozenset({JSON_TYPE, "application/x-www-form-urlencoded", "application/octet-stream"})
NDJSON_TYPE = "application/x-ndjson"
TIMEOUT_HEADER = "X-Request-Timeout"  # seconds, a decimal number
GRPC_TIMEOUT_HEADER = "grpc-timeout"  # gRPC's spelling: digits and a unit, "500m", "2S"
_GRPC_UNITS = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}
_GRPC_TIMEOUT = re.compile(r"([0-9]{1,8})([HMSmun])")


def parse_message(body: bytes, message: Request, where: str = "the request body") -> Request:
    """``body`` as proto3 JSON of ``message``'s type; unknown fields are refused by name."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{where} is not UTF-8 (byte {error.start})") from None
    try:
        parsed: Request = json_format.Parse(text or "{}", message)
    except json_format.ParseError as error:
        raise InputError(f"{where} is not a valid {message.DESCRIPTOR.name} in JSON: {error}") from None
    return parsed


def check_content_type(content_type: str, accepted: frozenset[str]) -> None:
    if content_type not in accepted:
        expected = " or ".join(sorted(accepted))
        raise InputError(f"Content-Type must be {expected}, got {content_type}")


def request_timeout(headers: Mapping[str, str]) -> float | None:
    """The caller's deadline in seconds from ``X-Request-Timeout`` or ``grpc-timeout`` (the
    headers looked up case-insensitively, as aiohttp's are); None: none."""
    seconds = headers.get(TIMEOUT_HEADER)
    if seconds is not None:
        try:
            value = float(seconds)
        except ValueError:
            value = -1.0
        if not 0 < value < float("inf"):
            raise InputError(f"{TIMEOUT_HEADER} must be a positive number of seconds, got {seconds!r}")
        return value
    grpc_style = headers.get(GRPC_TIMEOUT_HEADER)
    if grpc_style is None:
        return None
    match = _GRPC_TIMEOUT.fullmatch(grpc_style)
    if match is None or int(match.group(1)) == 0:
        raise InputError(
            f"{GRPC_TIMEOUT_HEADER} must be positive digits and a unit (H M S m u n), got {grpc_style!r}"
        )
    return int(match.group(1)) * _GRPC_UNITS[match.group(2)]
