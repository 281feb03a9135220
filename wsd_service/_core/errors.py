"""Exception types of the engine; adapters map them to status codes and exit codes."""

from __future__ import annotations


class WsdError(Exception):
    """Base class of every error the engine raises on purpose."""


def shown(value: str, limit: int = 60) -> str:
    """``value`` quoted for an error message, cut short: a message must not echo a huge input."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


class InputError(WsdError, ValueError):
    """The caller's input is malformed (empty text, bad tokens, bad options)."""


class LimitExceededError(InputError):
    """The input is well formed but over a configured size limit."""


class CorpusError(WsdError):
    """A corpus or gold-key file is missing or malformed; the message names file and line."""

    def __init__(self, path: object, line: int | None, problem: str) -> None:
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line


class InventoryError(WsdError):
    """The sense inventory (WordNet or a custom JSONL file) cannot be read."""


class SenseIndexError(WsdError):
    """A sense index is missing, corrupt, or incompatible with the encoder."""
