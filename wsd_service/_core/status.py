"""Engine errors on the wire as ``google.rpc.Status``, and back.

The server sends the status code, the message and an ``ErrorInfo`` whose reason names the
engine's exception (plus a ``BadRequest`` field violation when the error names a field, and a
``RetryInfo`` when it says when a retry may succeed); a client
turns them back into the same exception, so local and remote callers catch the same types.
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2

from .errors import ERROR_TYPES, TYPES_BY_CODE, RemoteError, WsdError

DOMAIN = "wsd.v1"
DETAILS_KEY = "grpc-status-details-bin"  # where gRPC carries a google.rpc.Status


def to_status(error: WsdError) -> status_pb2.Status:
    status = status_pb2.Status(code=code_pb2.Code.Value(error.code), message=str(error))
    _pack(status, error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN))
    if error.field:
        violation = error_details_pb2.BadRequest.FieldViolation(field=error.field, description=str(error))
        _pack(status, error_details_pb2.BadRequest(field_violations=[violation]))
    if error.retry_after is not None:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(error.retry_after * 1e9))
        _pack(status, error_details_pb2.RetryInfo(retry_delay=delay))
    return status


def _pack(status: status_pb2.Status, detail: Message) -> None:
    packed = any_pb2.Any()
    packed.Pack(detail)
    status.details.append(packed)


def from_status(status: status_pb2.Status) -> WsdError:
    """The engine exception a status stands for; ``RemoteError`` when it names none."""
    code = code_pb2.Code.Name(status.code) if status.code in code_pb2.Code.values() else "UNKNOWN"
    return error_from(code, status.message, status)


def error_from_rpc(error: grpc.RpcError) -> WsdError:
    """The engine exception a failed call stands for (the same type a local call raises)."""
    code: grpc.StatusCode = error.code()
    status = None
    for key, value in error.trailing_metadata() or ():
        if key == DETAILS_KEY and isinstance(value, bytes):
            status = status_pb2.Status.FromString(value)
    return error_from(code.name, error.details() or "", status)


def error_from(code: str, message: str, status: status_pb2.Status | None = None) -> WsdError:
    """An exception for a status code name and message, refined by the status' details."""
    reason, field, retry = _details(status) if status is not None else ("", None, None)
    kind = ERROR_TYPES.get(reason) or TYPES_BY_CODE.get(code)
    if kind is None or kind.default_code != code:
        return RemoteError(f"{code}: {message}", field=field, code=code, retry_after=retry)
    return kind(message, field=field, retry_after=retry)


def _details(status: status_pb2.Status) -> tuple[str, str | None, float | None]:
    reason, field, retry = "", None, None
    for detail in status.details:
        info, bad, hint = (
            error_details_pb2.ErrorInfo(),
            error_details_pb2.BadRequest(),
            error_details_pb2.RetryInfo(),
        )
        if detail.Unpack(info) and info.domain == DOMAIN:
            reason = info.reason
        elif detail.Unpack(bad) and bad.field_violations:
            field = bad.field_violations[0].field
        elif detail.Unpack(hint):
            retry = hint.retry_delay.ToNanoseconds() / 1e9
    return reason, field, retry
