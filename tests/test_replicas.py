"""Client-side balancing over replicas: round_robin with health checking, and a replica that
drains (SIGTERM) costs no call."""

from __future__ import annotations

import re
import signal
import threading
import time
import urllib.request
from pathlib import Path

from wsd_service.client import WsdClient

from .server_process import free_port, start_serving


def _answered(metrics_port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as page:
        text = page.read().decode()
    return sum(float(v) for v in re.findall(r'^wsd_requests_total\{[^}]*code="OK"[^}]*\} (\S+)', text, re.M))


def test_a_draining_replica_loses_no_calls(tiny_index: Path) -> None:
    ports = [free_port(), free_port()]
    replicas = [start_serving(tiny_index, extra=("--workers", "1", "--metrics-port", str(p))) for p in ports]
    target = "ipv4:" + ",".join(address for _, address in replicas)
    failures: list[BaseException] = []
    answered = [0]
    stop = threading.Event()

    def load(client: WsdClient) -> None:
        while not stop.is_set():
            try:
                client.disambiguate("We had a picnic on the grassy river bank")
                answered[0] += 1
            except Exception as error:  # any failed call fails the test
                failures.append(error)

    try:
        with WsdClient(target, timeout=30) as client:
            threads = [threading.Thread(target=load, args=(client,)) for _ in range(8)]
            for thread in threads:
                thread.start()
            time.sleep(6)
            assert all(_answered(port) > 0 for port in ports)  # both replicas served
            replicas[0][0].send_signal(signal.SIGTERM)
            assert replicas[0][0].wait(60) == 0
            time.sleep(10)
            stop.set()
            for thread in threads:
                thread.join(60)
        assert failures == [] and answered[0] > 50
    finally:
        stop.set()
        for process, _ in replicas:
            if process.poll() is None:
                process.terminate()
                process.wait(30)
