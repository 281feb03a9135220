"""The Python clients and the query command against the real server."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest

from wsd_service import BuildConfig, Encoder, Inventory, ServerConfig
from wsd_service._core.manifest import read_manifest
from wsd_service._proto.wsd.v1 import wsd_service_pb2 as pb
from wsd_service.build import IndexBuilder
from wsd_service.cli import main
from wsd_service.client import AsyncWsdClient, NotFoundError, WsdClient

from .load import metrics_text
from .server_process import free_port, start_serving
from .server_thread import ServerThread
from .waiting import wait_until

SEMCOR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wsd" / "semcor" / "semcor"


@pytest.fixture(scope="module")
def server(tiny_index: Path) -> Iterator[ServerThread]:
    thread = ServerThread(ServerConfig(index=tiny_index, port=0)).start()
    yield thread
    thread.stop()


def test_importing_the_client_loads_no_model_runtime_and_is_quick() -> None:
    probe = (
        "import sys, time; started = time.perf_counter(); import wsd_service.client; "
        "print(time.perf_counter() - started); "
        "print(','.join(m for m in ('torch', 'transformers', 'faiss', 'onnxruntime') if m in sys.modules))"
    )
    runs = [
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
        for _ in range(3)
    ]
    seconds = min(float(run.stdout.split()[0]) for run in runs)
    assert all(run.stdout.split("\n")[1] == "" for run in runs), runs[0].stdout
    assert seconds < 0.3, f"import wsd_service.client took {seconds:.2f} s"


def test_names_loaded_on_first_use_are_the_typed_ones() -> None:
    """The package's lazy table and the imports type checkers read name the same classes."""
    import wsd_service

    source = Path(wsd_service.__file__).read_text(encoding="utf-8")
    typed = dict(re.findall(r"    from (\S+) import (\w+) as \2", source))
    table = wsd_service._ON_FIRST_USE
    assert {name: module for module, name in typed.items()} == table
    for name in table:
        assert getattr(wsd_service, name).__name__ == name


def _batches(metrics_port: int) -> float:
    found = re.search(r"^wsd_encoder_batch_sentences_count (\S+)$", metrics_text(metrics_port), re.M)
    return float(found.group(1)) if found else 0.0


def test_unavailable_is_retried_by_the_channel(tiny_index: Path) -> None:
    """A server that answers UNAVAILABLE twice, then the manifest: the client sees the manifest."""
    calls: list[int] = []
    manifest = read_manifest(tiny_index)

    def index_info(request: pb.GetIndexInfoRequest, context: grpc.ServicerContext) -> pb.GetIndexInfoResponse:
        calls.append(1)
        if len(calls) < 3:
            context.abort(grpc.StatusCode.UNAVAILABLE, "warming up")
        return pb.GetIndexInfoResponse(manifest_json=manifest.to_json())

    handler = grpc.unary_unary_rpc_method_handler(
        index_info,
        request_deserializer=pb.GetIndexInfoRequest.FromString,
        response_serializer=pb.GetIndexInfoResponse.SerializeToString,
    )
    server = grpc.server(ThreadPoolExecutor(2))
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("wsd.v1.WsdService", {"GetIndexInfo": handler}),)
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with WsdClient(f"127.0.0.1:{port}", timeout=10) as client:
            assert client.index_info() == manifest
    finally:
        server.stop(0)
    assert len(calls) == 3


def test_async_client(server: ServerThread) -> None:
    async def run() -> list[str]:
        async with AsyncWsdClient(server.address) as client:
            answers = await asyncio.gather(*(client.disambiguate(f"the river bank {i}") for i in range(8)))
            with pytest.raises(NotFoundError, match="xyzzyq"):
                await client.lookup_senses("xyzzyq")
            return [t.lemma for answer in answers for t in answer if t.lemma == "bank"]

    assert asyncio.run(run()) == ["bank"] * 8


def test_query_command(server: ServerThread, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--server", server.address, "I withdrew cash from the bank."]) == 0
    out = capsys.readouterr().out
    assert "bank%1:14:00::" in out and "financial institution" in out
    assert main(["query", "--server", server.address, "--json", "--top-k", "2", "the bank"]) == 0
    [bank] = json.loads(capsys.readouterr().out)
    assert bank["lemma"] == "bank" and bank["start"] == 4 and len(bank["senses"]) == 2
    assert all(s["key"].startswith("bank%1:") and s["gloss"] for s in bank["senses"])


@pytest.fixture(scope="module")
def semcor_bank_index(
    tmp_path_factory: pytest.TempPathFactory, encoder: Encoder, inventory: Inventory
) -> Path:
    if not Path(f"{SEMCOR}.data.xml").is_file():
        pytest.skip("../shared/data/wsd/semcor is not beside the checkout")
    out = tmp_path_factory.mktemp("semcor") / "bank"
    config = BuildConfig(corpora=(SEMCOR,), lemmas=frozenset({"bank"}), progress=False)
    IndexBuilder(encoder, inventory, config).build(out)
    return out


def test_bank_sentences_with_the_semcor_index(semcor_bank_index: Path) -> None:
    thread = ServerThread(ServerConfig(index=semcor_bank_index, port=0)).start()
    try:
        with WsdClient(thread.address) as client:
            money = client.disambiguate("I went to the bank and withdrew some cash.")
            river = client.disambiguate("We had a picnic on the grassy river bank.")
    finally:
        thread.stop()
    [money_bank] = [t for t in money if t.text == "bank"]
    [river_bank] = [t for t in river if t.text == "bank"]
    assert money_bank.best is not None and money_bank.best.key == "bank%1:14:00::"
    assert river_bank.best is not None and river_bank.best.key == "bank%1:17:01::"


def test_sigterm_finishes_in_flight_work(tiny_index: Path) -> None:
    metrics_port = free_port()
    process, address = start_serving(
        tiny_index, extra=("--workers", "1", "--metrics-port", str(metrics_port))
    )
    try:
        with WsdClient(address) as client, ThreadPoolExecutor(1) as pool:
            long_text = " ".join(["The bank by the river held the town's money."] * 150)
            pending = pool.submit(client.disambiguate, long_text)
            # In flight: the first of its encoder batches is done, the others are not.
            wait_until(lambda: _batches(metrics_port) >= 1, "the long request's first batch")
            process.send_signal(signal.SIGTERM)
            assert len(pending.result(timeout=60)) > 100  # accepted work is answered
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        stderr = process.stderr.read() if process.stderr else ""
    assert "draining" in stderr and "stopped" in stderr
