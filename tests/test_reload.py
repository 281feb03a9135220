"""Hot reload of a rebuilt index: in-flight work is not failed, a bad index leaves the old one."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from wsd_service import BatcherConfig, BuildConfig, Encoder, Inventory, ServerConfig
from wsd_service._core.manifest import CURRENT_LINK, resolve_index_dir
from wsd_service.build import IndexBuilder
from wsd_service.client import WsdClient

from .server_process import start_serving
from .server_thread import ServerThread
from .waiting import wait_until


def _build(encoder: Encoder, inventory: Inventory, out: Path, *lemmas: str) -> None:
    config = BuildConfig(lemmas=frozenset(lemmas), use_examples=False, progress=False)
    IndexBuilder(encoder, inventory, config).build(out)


def _senses(client: WsdClient) -> int:
    return client.index_info().senses["total"]


def _corrupt_new_version(index: Path) -> None:
    """A new version whose vectors are damaged, switched in as a bad rebuild would be."""
    current = resolve_index_dir(index)
    bad = index / (current.name + "-bad")
    shutil.copytree(current, bad)
    data = bytearray((bad / "gloss_vectors.npy").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (bad / "gloss_vectors.npy").write_bytes(bytes(data))
    link = index / "tmp-link"
    link.symlink_to(bad.name)
    link.replace(index / CURRENT_LINK)


def test_reload_under_load_and_a_bad_index(tmp_path: Path, encoder: Encoder, inventory: Inventory) -> None:
    index = tmp_path / "index"
    _build(encoder, inventory, index, "river")
    # The rebuild runs in this process on the same cores, so the queue stands for seconds; load
    # shedding would refuse calls then, which is overload, not what this test is about.
    patient = BatcherConfig(standing_timeout=60.0)
    thread = ServerThread(ServerConfig(index=index, port=0, batcher=patient)).start()
    errors: list[Exception] = []
    answered = 0
    stop = threading.Event()

    def load() -> None:
        nonlocal answered
        with WsdClient(thread.address, timeout=30) as client:
            while not stop.is_set():
                try:
                    client.disambiguate("the river bank flooded")
                    answered += 1
                except Exception as error:
                    errors.append(error)

    workers = [threading.Thread(target=load) for _ in range(4)]
    try:
        with WsdClient(thread.address) as client:
            before = _senses(client)
            for worker in workers:
                worker.start()
            _build(encoder, inventory, index, "river", "bank")
            assert thread.server is not None
            server = thread.server
            assert thread.call(server.reload) is True
            reloaded_at = answered
            wait_until(lambda: answered >= reloaded_at + 8, "calls answered by the reloaded index")
            stop.set()
            for worker in workers:
                worker.join(30)
            assert errors == [] and answered > 0
            after = _senses(client)
            assert after > before
            [bank] = [t for t in client.disambiguate("the bank") if t.text == "bank"]
            assert bank.senses

            _corrupt_new_version(index)
            assert thread.call(server.reload) is False  # refused; the old index still serves
            assert _senses(client) == after
            assert client.disambiguate("the bank")
    finally:
        stop.set()
        thread.stop()


def test_reload_loads_an_index_that_was_missing(
    tmp_path: Path, encoder: Encoder, inventory: Inventory
) -> None:
    index = tmp_path / "index"
    thread = ServerThread(ServerConfig(index=index, port=0)).start(wait_ready=False)
    try:
        assert thread.server is not None
        server = thread.server
        with pytest.raises(Exception, match="holds no sense index"):
            thread.call(server.wait_ready)
        _build(encoder, inventory, index, "river")
        assert thread.call(server.reload) is True
        with WsdClient(thread.address) as client:
            assert client.disambiguate("the river")[0].senses
    finally:
        thread.stop()


def test_sighup_reloads_the_served_index(tmp_path: Path, encoder: Encoder, inventory: Inventory) -> None:
    index = tmp_path / "index"
    _build(encoder, inventory, index, "river")
    process, address = start_serving(index)
    try:
        with WsdClient(address) as client:
            before = _senses(client)
            _build(encoder, inventory, index, "river", "bank")
            os.kill(process.pid, signal.SIGHUP)
            deadline = time.time() + 60
            while _senses(client) == before:
                assert time.time() < deadline, "SIGHUP did not reload the index"
                time.sleep(0.2)
            assert client.index_info().build["options"]["lemmas"] == ["bank", "river"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    assert "reloaded index" in (process.stderr.read() if process.stderr else "")
