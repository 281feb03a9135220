"""Access control settings: TLS files and bearer tokens, shared by the server and the clients."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import WsdError

AUTH_HEADER = "authorization"


@dataclass(frozen=True, slots=True)
class TlsConfig:
    """PEM files. With ``client_ca_file`` the server requires client certificates it signed."""

    cert_file: Path
    key_file: Path
    client_ca_file: Path | None = None


@dataclass(frozen=True, slots=True)
class ClientTls:
    """PEM files for a client: the CA that signed the server, and an optional client certificate."""

    ca_file: Path | None = None  # None: the system's trusted roots
    cert_file: Path | None = None
    key_file: Path | None = None


def read_file(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise WsdError(f"{what} {path}: {error.strerror or error}") from None


def read_tokens(path: Path) -> frozenset[str]:
    """Accepted tokens, one per line; blank lines and ``#`` comments are ignored."""
    return frozenset(_tokens(path))


def read_token(path: Path) -> str:
    """A client's token: the first one in the file."""
    return _tokens(path)[0]


def _tokens(path: Path) -> list[str]:
    lines = read_file(path, "token file").decode("utf-8", errors="replace").splitlines()
    tokens = [s for line in lines if (s := line.strip()) and not s.startswith("#")]
    if not tokens:
        raise WsdError(f"token file {path} holds no token")
    return tokens
