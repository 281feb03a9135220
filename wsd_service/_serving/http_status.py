"""Engine errors as HTTP answers: the ``google.rpc.Status`` the gRPC path sends, as proto3 JSON,
under the HTTP status that ``google/rpc/code.proto`` gives each code."""

from __future__ import annotations

import json
import math

from google.protobuf import json_format

from .._core.errors import WsdError
from .._core.status import to_status

# google/rpc/code.proto's HTTP mapping for each code name.
HTTP_STATUS = {
    "OK": 200,
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
}


def error_body(error: WsdError) -> str:
    """The error's ``google.rpc.Status`` in proto3 JSON (``code``, ``message``, ``details``)."""
    return json.dumps(json_format.MessageToDict(to_status(error)))


def error_headers(error: WsdError) -> dict[str, str]:
    """``Retry-After`` (whole seconds, at least 1) where a retry may succeed: the error says
    when, or the server is loading or draining. A limit refused for its size gets none."""
    if error.retry_after is None and error.code != "UNAVAILABLE":
        return {}
    delay = error.retry_after if error.retry_after is not None else 1.0
    return {"Retry-After": str(max(1, math.ceil(delay)))}
