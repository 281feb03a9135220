"""TLS (with and without client certificates) and bearer tokens, against the real server."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from wsd_service import ServerConfig, TlsConfig
from wsd_service.cli import main
from wsd_service.client import ClientTls, RemoteError, UnavailableError, WsdClient

from .certificates import Pem, make_authority, make_leaf
from .server_thread import ServerThread

TOKEN = "s3cret-token-for-tests"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Pem]:
    directory = tmp_path_factory.mktemp("pki")
    ca, ca_name, ca_key = make_authority(directory)
    other_ca, other_name, other_key = make_authority(directory, "other CA")
    return {
        "ca": ca,
        "server": make_leaf(directory, "server", ca_name, ca_key, server=True),
        "client": make_leaf(directory, "client", ca_name, ca_key, server=False),
        "stranger": make_leaf(directory, "stranger", other_name, other_key, server=False),
        "other_ca": other_ca,
    }


@pytest.fixture(scope="module")
def mutual_tls_server(tiny_index: Path, pki: dict[str, Pem]) -> Iterator[ServerThread]:
    tls = TlsConfig(pki["server"].cert, pki["server"].key, client_ca_file=pki["ca"].cert)
    thread = ServerThread(ServerConfig(index=tiny_index, port=0, tls=tls, tokens=frozenset({TOKEN}))).start()
    yield thread
    thread.stop()


def _client(
    server: ServerThread, pki: dict[str, Pem], who: str | None = "client", **options: object
) -> WsdClient:
    leaf = pki[who] if who else None
    tls = ClientTls(pki["ca"].cert, leaf.cert if leaf else None, leaf.key if leaf else None)
    return WsdClient(server.address, timeout=10, tls=tls, **options)  # type: ignore[arg-type]


def test_mutual_tls_with_token_answers(mutual_tls_server: ServerThread, pki: dict[str, Pem]) -> None:
    with _client(mutual_tls_server, pki, token=TOKEN) as client:
        [target] = client.disambiguate("the river")
        assert target.lemma == "river"


@pytest.mark.parametrize("token", [None, "wrong-token", TOKEN + "x", ""])
def test_missing_or_wrong_token_is_unauthenticated(
    mutual_tls_server: ServerThread, pki: dict[str, Pem], token: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG), _client(mutual_tls_server, pki, token=token) as client:
        with pytest.raises(RemoteError) as caught:
            client.disambiguate("the river")
        assert caught.value.code == "UNAUTHENTICATED"
        assert "token" in str(caught.value)
        with pytest.raises(RemoteError) as streamed:
            client.index_info()
        assert streamed.value.code == "UNAUTHENTICATED"
    assert TOKEN not in caplog.text and "wrong-token" not in caplog.text


def test_health_needs_no_token(mutual_tls_server: ServerThread, pki: dict[str, Pem]) -> None:
    credentials = grpc.ssl_channel_credentials(
        pki["ca"].cert.read_bytes(), pki["client"].key.read_bytes(), pki["client"].cert.read_bytes()
    )
    with grpc.secure_channel(mutual_tls_server.address, credentials) as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize("who", [None, "stranger"])
def test_client_certificate_is_required(
    mutual_tls_server: ServerThread, pki: dict[str, Pem], who: str | None
) -> None:
    with (
        _client(mutual_tls_server, pki, who, token=TOKEN) as client,
        pytest.raises(UnavailableError) as caught,
    ):
        client.disambiguate("the river")
    assert caught.value.code == "UNAVAILABLE"


def test_plaintext_and_untrusted_clients_are_refused(
    mutual_tls_server: ServerThread, pki: dict[str, Pem]
) -> None:
    wrong_ca = ClientTls(pki["other_ca"].cert, pki["client"].cert, pki["client"].key)
    for tls in (None, wrong_ca):
        client = WsdClient(mutual_tls_server.address, timeout=5, tls=tls, token=TOKEN)
        with client, pytest.raises(UnavailableError) as caught:
            client.disambiguate("the river")
        assert caught.value.code == "UNAVAILABLE"


@pytest.fixture(scope="module")
def tls_token_server(tiny_index: Path, pki: dict[str, Pem]) -> Iterator[ServerThread]:
    tls = TlsConfig(pki["server"].cert, pki["server"].key)
    thread = ServerThread(ServerConfig(index=tiny_index, port=0, tls=tls, tokens=frozenset({TOKEN}))).start()
    yield thread
    thread.stop()


def _client_command(command: str, directory: Path) -> tuple[list[str], Path | None]:
    """The command's arguments besides the client options, and the file it writes (None: stdout)."""
    sentences = directory / "sentences.txt"
    sentences.write_text("We sat on the bank of the river.\nI withdrew cash from the bank.\n")
    out = directory / ("out.png" if command == "plot" else "out.jsonl")
    return {
        "query": (["query", "the river"], None),
        "nearest": (["nearest", "the river"], None),
        "annotate": (["annotate", str(sentences), "--out", str(out), "--quiet"], out),
        "plot": (["plot", "bank", "--sentences", str(sentences), "--out", str(out)], out),
    }[command]


@pytest.mark.parametrize("command", ["query", "nearest", "annotate", "plot"])
def test_client_commands_use_tls_and_the_token(
    command: str,
    tls_token_server: ServerThread,
    pki: dict[str, Pem],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# the first token is sent\n{TOKEN}\n")
    args, out = _client_command(command, tmp_path)
    args += ["--server", tls_token_server.address, "--tls-ca", str(pki["ca"].cert)]
    assert main([*args, "--token-file", str(tokens)]) == 0
    written = capsys.readouterr().out if out is None else out.read_bytes().decode("latin-1")
    assert ("river%1:17:00::" in written) if command != "plot" else written.startswith("\x89PNG")
    if out is not None:
        out.unlink()  # else annotate would resume a finished file and call nobody
    assert main(args) == 2
    assert "UNAUTHENTICATED" in capsys.readouterr().err


def test_serve_names_bad_access_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "0", "--tls-cert", str(tmp_path / "missing.crt")]) == 2
    assert "TLS needs both --tls-cert and --tls-key" in capsys.readouterr().err
    empty = tmp_path / "tokens"
    empty.write_text("# nothing\n\n")
    assert main(["serve", "--port", "0", "--token-file", str(empty)]) == 2
    assert f"token file {empty} holds no token" in capsys.readouterr().err
    missing = tmp_path / "missing.crt"
    assert main(["serve", "--port", "0", "--tls-cert", str(missing), "--tls-key", str(missing)]) == 2
    assert f"TLS key {missing}" in capsys.readouterr().err
