"""Faults: builds killed at random points, damaged index files refused by every loader, no
unsafe deserialisation, SIGTERM under load."""

from __future__ import annotations

import json
import random
import re
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from wsd_service import Disambiguator, SenseIndexError
from wsd_service._core.manifest import MANIFEST_FILE, resolve_index_dir
from wsd_service.build import load_index
from wsd_service.cli import main
from wsd_service.client import RemoteError, WsdClient

from .corpora import build_index_command
from .server_process import start_serving

PACKAGE = Path(__file__).resolve().parents[1] / "wsd_service"
SEMEVAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "wsd" / "semeval2007" / "semeval2007"


def _build(out: Path, lemmas: str) -> subprocess.Popen[bytes]:
    command = build_index_command(out, lemmas)
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_build_killed_at_random_points_never_damages_the_index(tmp_path: Path) -> None:
    out = tmp_path / "index"
    assert _build(out, "bank").wait() == 0
    before = load_index(out)
    lemmas = "go,make,take,get,run,set,put,give,break,cut,turn,play,hold,line,head,point,bank"
    rng = random.Random(11)
    for _ in range(4):
        process = _build(out, lemmas)
        time.sleep(rng.uniform(0.5, 8.0))  # model loading, WordNet, encoding or writing
        process.send_signal(signal.SIGKILL)
        process.wait()
        after = load_index(out)
        if after.directory != before.directory:  # the build finished before the kill: a whole index
            assert {r.lemma for r in after.rows} >= {"go", "bank", "point"}
            before = after
        assert [r.key for r in after.rows] == [r.key for r in before.rows]


def _damage(index: Path, kind: str) -> None:
    directory = resolve_index_dir(index)
    vectors = directory / "vectors.faiss"
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
    "truncated vectors": r"vectors\.faiss is corrupt",
    "bit-flipped sense table": r"senses\.tsv is corrupt",
    "missing vectors": r"vectors\.faiss is missing",
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
    texts = [f"The bank by river number {n} held the town's money." for n in range(200)]
    try:
        with WsdClient(address, timeout=60) as client, ThreadPoolExecutor(16) as pool:

            def send(text: str) -> str:
                try:
                    client.disambiguate(text)
                    return "OK"
                except RemoteError as error:
                    return error.code

            with grpc.insecure_channel(address) as channel:
                health = health_pb2_grpc.HealthStub(channel)
                health.Check(health_pb2.HealthCheckRequest(), timeout=5)  # connected before the signal
                pending = [pool.submit(send, t) for t in texts]
                time.sleep(1.0)
                process.send_signal(signal.SIGTERM)
                statuses = []
                for _ in range(20):
                    try:
                        statuses.append(health.Check(health_pb2.HealthCheckRequest(), timeout=5).status)
                    except grpc.RpcError:
                        break
                    time.sleep(0.05)
                assert health_pb2.HealthCheckResponse.NOT_SERVING in statuses  # probes hear it first
            outcomes = [p.result(timeout=120) for p in pending]
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
    # Calls the server accepted are answered; later ones are refused, never half-done.
    assert outcomes.count("OK") > 0
    assert set(outcomes) <= {"OK", "UNAVAILABLE"}
    first_refused = outcomes.index("UNAVAILABLE") if "UNAVAILABLE" in outcomes else len(outcomes)
    assert outcomes[:first_refused].count("OK") == first_refused
