"""Client-side balancing over replicas: round_robin with health checking, a replica that
drains (SIGTERM) costs no call, and connections closed at their maximum age are reopened
without a failed call."""

from __future__ import annotations

import re
import signal
from functools import partial
from pathlib import Path

import pytest

from wsd_service.client import WsdClient

from .load import CallLoop, metrics_text
from .server_process import free_port, start_serving
from .waiting import wait_until

PICNIC = "We had a picnic on the grassy river bank"


def _answered(metrics_port: int) -> float:
    calls = re.findall(r'^wsd_requests_total\{[^}]*code="OK"[^}]*\} (\S+)', metrics_text(metrics_port), re.M)
    return sum(float(v) for v in calls)


def _client_ports(server_port: int) -> set[int]:
    """The client ends' ports of the established connections to ``server_port`` (gRPC's
    sockets are IPv6 ones, 127.0.0.1 mapped, where the host has IPv6)."""
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, remote, state = line.split()[1:4]
            if state == "01" and int(remote.rpartition(":")[2], 16) == server_port:  # 01: ESTABLISHED
                ports.add(int(local.rpartition(":")[2], 16))
    return ports


def test_connections_past_the_maximum_age_are_reopened_without_a_failed_call(tiny_index: Path) -> None:
    if not Path("/proc/net/tcp").is_file():
        pytest.skip("the connections are read from /proc/net/tcp (Linux)")
    process, address = start_serving(tiny_index, extra=("--workers", "1", "--max-connection-age", "1"))
    port = int(address.rpartition(":")[2])
    earlier = _client_ports(port)  # start_serving's own health checks, maybe not closed yet
    seen: set[int] = set()

    def connections() -> int:
        seen.update(_client_ports(port) - earlier)
        return len(seen)

    try:
        with (
            WsdClient(address, timeout=30) as client,
            CallLoop(partial(client.disambiguate, PICNIC), 4) as load,
        ):
            # The server sends GOAWAY after about a second: the client connects again, twice.
            wait_until(lambda: connections() >= 3, "the client's third connection", timeout=30)
            answered = load.answered
            wait_until(lambda: load.answered >= answered + 10, "10 more calls answered")
        assert load.failures == []
    finally:
        process.terminate()
        process.wait(30)


def test_a_draining_replica_loses_no_calls(tiny_index: Path) -> None:
    ports = [free_port(), free_port()]
    replicas = [start_serving(tiny_index, extra=("--workers", "1", "--metrics-port", str(p))) for p in ports]
    target = "ipv4:" + ",".join(address for _, address in replicas)
    try:
        with (
            WsdClient(target, timeout=30) as client,
            CallLoop(partial(client.disambiguate, PICNIC), 8) as load,
        ):
            wait_until(lambda: all(_answered(port) > 0 for port in ports), "both replicas to answer calls")
            replicas[0][0].send_signal(signal.SIGTERM)
            assert replicas[0][0].wait(60) == 0
            survivor, gone = _answered(ports[1]), load.answered
            # Calls go on, all to the replica left, none failing.
            wait_until(lambda: _answered(ports[1]) >= survivor + 20, "20 more calls to the replica left")
            assert load.failures == []
        assert load.failures == [] and load.answered >= gone + 20
    finally:
        for process, _ in replicas:
            if process.poll() is None:
                process.terminate()
                process.wait(30)
