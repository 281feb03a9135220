"""Faults: damaged index files refused by every loader, no unsafe deserialisation, SIGTERM
under load. (A build killed mid-way: test_index.py.)"""

from __future__ import annotations

import json
import re
import shutil
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from wsd_service import Disambiguator, SenseIndexError, WsdError
from wsd_service._core.manifest import MANIFEST_FILE, resolve_index_dir
from wsd_service.cli import main
from wsd_service.client import WsdClient

from .server_process import start_serving
from .waiting import wait_until

PACKAGE = Path(__file__).resolve().parents[1] / "wsd_service"
SEMEVAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "wsd" / "semeval2007" / "semeval2007"


def _damage(index: Path, kind: str) -> None:
    directory = resolve_index_dir(index)
    vectors = directory / "gloss_vectors.npy"
    if kind == "truncated vectors":
        vectors.write_bytes(vectors.read_bytes()[: vectors.stat().st_size // 2])
    elif kind == "bit-flipped sense table":
        data = bytearray((directory / "senses.tsv").read_bytes())
        data[len(data) // 2] ^= 0x01
        (directory / "senses.tsv").write_bytes(bytes(data))
    elif kind == "missing vectors":
        vectors.unlink()
    elif kind == "manifest without the neighbourhoods":
        manifest = json.loads((directory / MANIFEST_FILE).read_text())
        del manifest["files"]["neighbourhoods.npy"]
        (directory / MANIFEST_FILE).write_text(json.dumps(manifest))
    elif kind == "manifest of another encoder":
        manifest = json.loads((directory / MANIFEST_FILE).read_text())
        manifest["encoder"]["weights_sha256"] = "0" * 64
        (directory / MANIFEST_FILE).write_text(json.dumps(manifest))


DAMAGES = {
    "truncated vectors": r"gloss_vectors\.npy is corrupt",
    "bit-flipped sense table": r"senses\.tsv is corrupt",
    "missing vectors": r"gloss_vectors\.npy is missing",
    "manifest without the neighbourhoods": r"manifest lists no neighbourhoods\.npy",
    "manifest of another encoder": r"another encoder configuration: weights_sha256",
}


@pytest.fixture(params=list(DAMAGES))
def damaged(request: pytest.FixtureRequest, tmp_path: Path, tiny_index: Path) -> tuple[Path, str]:
    copy = tmp_path / "damaged"
    shutil.copytree(resolve_index_dir(tiny_index), copy)
    _damage(copy, request.param)
    return copy, DAMAGES[request.param]


def test_damaged_index_is_refused_by_the_python_api(damaged: tuple[Path, str]) -> None:
    index, message = damaged
    with pytest.raises(SenseIndexError, match=message):
        Disambiguator.load(index)


def test_damaged_index_is_refused_by_evaluate_and_serve(
    damaged: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    index, message = damaged
    if SEMEVAL.with_suffix(".data.xml").is_file():
        assert main(["evaluate", "--index", str(index), str(SEMEVAL)]) == 2
        assert re.search(message, capsys.readouterr().err)
    assert main(["serve", "--index", str(index), "--port", "0"]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_no_unsafe_deserialisation_in_the_package() -> None:
    source = "\n".join(p.read_text() for p in PACKAGE.rglob("*.py") if "_proto" not in p.parts)
    for unsafe in ("import pickle", "allow_pickle=True", "torch.load(", "marshal.loads", "shelve"):
        assert unsafe not in source


def test_sigterm_under_load_answers_every_accepted_request(tiny_index: Path) -> None:
    process, address = start_serving(tiny_index)
    answered, signalled = threading.Event(), threading.Event()

    def calls(client: WsdClient, thread: int) -> list[tuple[str, bool]]:
        """One thread's calls, each (its status, whether it ended after SIGTERM), until one is refused."""
        outcomes: list[tuple[str, bool]] = []
        while not outcomes or outcomes[-1][0] == "OK":
            try:
                client.disambiguate(
                    f"The bank by river number {thread}.{len(outcomes)} held the town's money."
                )
                outcomes.append(("OK", signalled.is_set()))
                answered.set()
            except WsdError as error:
                outcomes.append((error.code, signalled.is_set()))
        return outcomes

    try:
        with WsdClient(address, timeout=60) as client, ThreadPoolExecutor(16) as pool:
            with grpc.insecure_channel(address) as channel:
                health = health_pb2_grpc.HealthStub(channel)
                health.Check(health_pb2.HealthCheckRequest(), timeout=5)  # connected before the signal
                threads = [pool.submit(calls, client, n) for n in range(16)]
                wait_until(answered.is_set, "a call answered under load")
                process.send_signal(signal.SIGTERM)
                signalled.set()

                def not_serving() -> bool:
                    try:
                        status = health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
                    except grpc.RpcError as error:
                        raise AssertionError(
                            f"health stopped answering before NOT_SERVING: {error}"
                        ) from None
                    return bool(status == health_pb2.HealthCheckResponse.NOT_SERVING)

                wait_until(not_serving, "health to say NOT_SERVING", timeout=10)  # probes hear it first
            outcomes = [outcome for thread in threads for outcome in thread.result(timeout=120)]
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
    # Calls the server accepted are answered, those in flight at the signal and during the drain
    # too; once it refuses new calls they are refused (UNAVAILABLE), never half-done. Each
    # thread calls until one is refused.
    assert ("OK", True) in outcomes
    assert {status for status, _ in outcomes} == {"OK", "UNAVAILABLE"}
