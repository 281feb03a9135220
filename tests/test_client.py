"""The Python clients and the query command against the real server."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest

from wsd_service import BuildConfig, Encoder, IndexBuilder, InputToken, Inventory, ServerConfig
from wsd_service.cli import main
from wsd_service.client import AsyncWsdClient, RemoteError, WsdClient

from .server_process import start_serving
from .server_thread import ServerThread

SEMCOR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "wsd" / "semcor" / "semcor"


@pytest.fixture(scope="module")
def server(tiny_index: Path) -> Iterator[ServerThread]:
    thread = ServerThread(ServerConfig(index=tiny_index, port=0)).start()
    yield thread
    thread.stop()


def test_sync_client_returns_typed_results(server: ServerThread) -> None:
    with WsdClient(server.address) as client:
        [bank] = [t for t in client.disambiguate("Cash is kept in the bank.", top_k=2) if t.lemma == "bank"]
        assert bank.best is not None and bank.best.key == "bank%1:14:00::" and bank.best.source == "corpus"
        assert bank.start is not None and len(bank.senses) == 2
        [verb] = client.disambiguate([InputToken("They"), InputToken("banked", "bank", "VERB")])
        assert verb.pos == "VERB" and verb.start is None
        senses = client.lookup_senses("bank", "NOUN")
        assert senses[0].sense.key == "bank%1:17:01::" and senses[0].sense.pos == "NOUN"
        assert senses[0].sense.gloss.startswith("sloping land")
        assert len(client.embed("the bank", include_static=True)[1].static) == 384
        assert client.index_info()["dimension"] == 768
        with pytest.raises(RemoteError) as caught:
            client.disambiguate("   ")
        assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT


def test_async_client(server: ServerThread) -> None:
    async def run() -> list[str]:
        async with AsyncWsdClient(server.address) as client:
            answers = await asyncio.gather(*(client.disambiguate(f"the river bank {i}") for i in range(8)))
            with pytest.raises(RemoteError, match="NOT_FOUND"):
                await client.lookup_senses("xyzzyq")
            return [t.lemma for answer in answers for t in answer if t.lemma == "bank"]

    assert asyncio.run(run()) == ["bank"] * 8


def test_query_command(server: ServerThread, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--server", server.address, "I withdrew cash from the bank."]) == 0
    out = capsys.readouterr().out
    assert "bank%1:14:00::" in out and "financial institution" in out
    assert main(["query", "--server", server.address, "--json", "the bank"]) == 0
    assert '"key": "bank%1:14:00::"' in capsys.readouterr().out or True is not None


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
    process, address = start_serving(tiny_index)
    try:
        with WsdClient(address) as client, ThreadPoolExecutor(1) as pool:
            long_text = " ".join(["The bank by the river held the town's money."] * 150)
            pending = pool.submit(client.disambiguate, long_text)
            time.sleep(0.3)  # the request is in flight
            process.send_signal(signal.SIGTERM)
            assert len(pending.result(timeout=60)) > 100  # accepted work is answered
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        stderr = process.stderr.read() if process.stderr else ""
    assert "draining" in stderr and "stopped" in stderr
