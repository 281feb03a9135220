"""Exception types of the engine. Each names the gRPC status code a server answers it with and a
reason, so that a client raises the same type again (``_core.status``)."""

from __future__ import annotations

from typing import ClassVar


class WsdError(Exception):
    """Base class of every error the engine raises on purpose."""

    default_code: ClassVar[str] = "FAILED_PRECONDITION"  # a google.rpc.Code name
    reason: ClassVar[str] = "WSD_ERROR"  # google.rpc.ErrorInfo.reason on the wire

    def __init__(
        self,
        message: str = "",
        *,
        field: str | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field  # the request field at fault, when one is
        self.code = code or self.default_code
        self.retry_after = retry_after  # seconds after which a retry may succeed (google.rpc.RetryInfo)


def shown(value: str, limit: int = 60) -> str:
    """``value`` quoted for an error message, cut short: a message must not echo a huge input."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


class InputError(WsdError, ValueError):
    """The caller's input is malformed (empty text, bad tokens, bad options)."""

    default_code = "INVALID_ARGUMENT"
    reason = "INVALID_INPUT"


class LimitExceededError(InputError):
    """The input is well formed but over a configured size limit."""

    default_code = "RESOURCE_EXHAUSTED"
    reason = "LIMIT_EXCEEDED"


class OverloadedError(WsdError):
    """The server holds more work than it is configured to; retry later."""

    default_code = "RESOURCE_EXHAUSTED"
    reason = "OVERLOADED"


class DeadlineExpiredError(WsdError):
    """The caller's deadline passed before its work was done."""

    default_code = "DEADLINE_EXCEEDED"
    reason = "DEADLINE_EXPIRED"


class UnavailableError(WsdError):
    """The service cannot answer now: loading its index, shutting down, or out of reach."""

    default_code = "UNAVAILABLE"
    reason = "UNAVAILABLE"


class NotFoundError(WsdError):
    """The inventory has no such lemma."""

    default_code = "NOT_FOUND"
    reason = "NOT_FOUND"


class CorpusError(WsdError):
    """A corpus or gold-key file is missing or malformed; the message names file and line."""

    reason = "CORPUS_ERROR"

    def __init__(self, path: object, line: int | None, problem: str) -> None:
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line


class InventoryError(WsdError):
    """The sense inventory (WordNet or a custom JSONL file) cannot be read."""

    reason = "INVENTORY_ERROR"


class SenseIndexError(WsdError):
    """A sense index is missing, corrupt, or incompatible with the encoder."""

    reason = "SENSE_INDEX_ERROR"


class RemoteError(WsdError):
    """A server's status that names no engine error (UNAUTHENTICATED, INTERNAL, ...)."""

    default_code = "UNKNOWN"
    reason = "REMOTE_ERROR"


# What a client raises again, by the reason a server sent; CorpusError stays local (it names
# files on the machine that raised it).
_REMOTE_TYPES: tuple[type[WsdError], ...] = (
    WsdError,
    InputError,
    LimitExceededError,
    OverloadedError,
    DeadlineExpiredError,
    UnavailableError,
    NotFoundError,
    InventoryError,
    SenseIndexError,
)
ERROR_TYPES: dict[str, type[WsdError]] = {kind.reason: kind for kind in _REMOTE_TYPES}
# A status without our details (gRPC's own, or a proxy's): the first type of its code.
TYPES_BY_CODE: dict[str, type[WsdError]] = {}
for _kind in _REMOTE_TYPES:
    TYPES_BY_CODE.setdefault(_kind.default_code, _kind)
