"""Client-side balancing over replicas: round_robin with health checking, and a replica that
drains (SIGTERM) costs no call."""

from __future__ import annotations

import re
import signal
import time
from functools import partial
from pathlib import Path

from wsd_service.client import WsdClient

from .load import CallLoop, metrics_text
from .server_process import free_port, start_serving

PICNIC = "We had a picnic on the grassy river bank"


def _answered(metrics_port: int) -> float:
    calls = re.findall(r'^wsd_requests_total\{[^}]*code="OK"[^}]*\} (\S+)', metrics_text(metrics_port), re.M)
    return sum(float(v) for v in calls)


def test_a_draining_replica_loses_no_calls(tiny_index: Path) -> None:
    ports = [free_port(), free_port()]
    replicas = [start_serving(tiny_index, extra=("--workers", "1", "--metrics-port", str(p))) for p in ports]
    target = "ipv4:" + ",".join(address for _, address in replicas)
    try:
        with (
            WsdClient(target, timeout=30) as client,
            CallLoop(partial(client.disambiguate, PICNIC), 8) as load,
        ):
            time.sleep(6)
            assert all(_answered(port) > 0 for port in ports)  # both replicas served
            replicas[0][0].send_signal(signal.SIGTERM)
            assert replicas[0][0].wait(60) == 0
            time.sleep(10)
        assert load.failures == [] and load.answered > 50
    finally:
        for process, _ in replicas:
            if process.poll() is None:
                process.terminate()
                process.wait(30)
