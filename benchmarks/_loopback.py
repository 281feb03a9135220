"""A real ``wsd-service serve`` in a subprocess on loopback, and asyncio clients to load it."""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc

from wsd_service._proto.wsd.v1 import wsd_service_pb2 as pb
from wsd_service._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc


@dataclass(frozen=True)
class Server:
    address: str
    metrics_url: str
    pid: int
    http_url: str = ""  # with running_server(..., http=True)

    def rss_mb(self) -> float:
        """RSS of the server and its children (workers), MB."""
        return tree_rss_mb(self.pid)

    def pss_mb(self) -> float:
        """PSS of the server and its children (workers), MB: shared pages counted once."""
        return tree_pss_mb(self.pid)

    def batch_totals(self) -> tuple[float, float]:
        """Sum and count of the encoder-batch-size histogram in /metrics."""
        with urllib.request.urlopen(self.metrics_url, timeout=10) as page:
            text = page.read().decode()
        # summed over workers: with several, each sample carries its worker label
        found = re.findall(r"^wsd_encoder_batch_sentences_(sum|count)(?:\{[^}]*\})? (\S+)", text, re.M)
        total = sum(float(v) for k, v in found if k == "sum")
        return total, sum(float(v) for k, v in found if k == "count")


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, MB (shared pages counted in each)."""
    return _tree_sum(pid, "/proc/{}/status", "VmRSS:")


def tree_pss_mb(pid: int) -> float:
    """Proportional memory of a process tree, MB: a page shared by k processes counts 1/k in
    each, so the sum is what the tree really holds."""
    return _tree_sum(pid, "/proc/{}/smaps_rollup", "Pss:")


def tree_pids(pid: int) -> list[int]:
    """A process and all its descendants, parents first."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found = [pid]
    for current in found:
        found += children.get(current, [])
    return found


def _tree_sum(pid: int, file: str, field: str) -> float:
    total = 0.0
    for current in tree_pids(pid):
        try:
            text = Path(file.format(current)).read_text()
        except OSError:
            continue
        if field in text:
            total += int(text.split(field)[1].split()[0]) / 1024
    return total


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(index: Path, extra: Sequence[str] = (), http: bool = False) -> Iterator[Server]:
    port, metrics_port, http_port = free_port(), free_port(), free_port() if http else 0
    command = [sys.executable, "-m", "wsd_service", "serve", "--index", str(index), "--port", str(port),
               "--metrics-port", str(metrics_port), "--http-port", str(http_port), *extra]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    http_url = f"http://127.0.0.1:{http_port}" if http else ""
    server = Server(f"127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}/metrics", process.pid, http_url)
    try:
        wait_serving(server.address)
        asyncio.run(_all_serving(server.address, _workers(extra)))
        yield server
    finally:
        process.terminate()
        process.wait(30)


def wait_serving(address: str, timeout: float = 300) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    deadline = time.time() + timeout
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.time() < deadline:
            try:
                status = health.Check(health_pb2.HealthCheckRequest()).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.2)
    raise SystemExit("the server did not become ready")


async def _all_serving(address: str, workers: int, timeout: float = 300) -> None:
    """Until ``20 x workers`` fresh connections in a row find the server SERVING: each connection
    reaches one worker (the kernel's choice), and the others may still be loading."""
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    deadline, streak = time.monotonic() + timeout, 0
    while streak < 20 * workers:
        if time.monotonic() > deadline:
            raise SystemExit("a worker of the server did not become ready")
        async with grpc.aio.insecure_channel(
            address, options=[("grpc.use_local_subchannel_pool", 1)]
        ) as channel:
            try:
                reply = await health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=10
                )
                streak = streak + 1 if reply.status == health_pb2.HealthCheckResponse.SERVING else 0
            except grpc.aio.AioRpcError:
                streak = 0
        if not streak:
            await asyncio.sleep(0.2)


def _workers(serve_args: Sequence[str]) -> int:
    from wsd_service._serving.supervisor import default_workers

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--workers", type=int)
    given = parser.parse_known_args(serve_args)[0].workers
    return default_workers() if given is None else int(given)


async def _send_all(
    address: str, texts: Sequence[str], clients: int
) -> tuple[float, list[float], Counter[str]]:
    queue = list(reversed(texts))
    latencies: list[float] = []
    failures: Counter[str] = Counter()

    async def client(stub: pb_grpc.WsdServiceStub) -> None:
        while queue:
            text = queue.pop()
            started = time.perf_counter()
            try:
                await stub.Disambiguate(
                    pb.DisambiguateRequest(documents=[pb.Document(text=text)]), timeout=60
                )
                latencies.append(time.perf_counter() - started)
            except grpc.aio.AioRpcError as error:
                failures[f"{error.code().name}: {error.details()}"] += 1

    channels = open_channels(address)
    try:
        stubs = [pb_grpc.WsdServiceStub(channel) for channel in channels]
        started = time.perf_counter()
        await asyncio.gather(*(client(stubs[n % len(stubs)]) for n in range(clients)))
        return time.perf_counter() - started, latencies, failures
    finally:
        for channel in channels:
            await channel.close()


def open_channels(address: str, count: int = 8) -> list[grpc.aio.Channel]:
    """``count`` channels, each its own TCP connection (gRPC shares one between channels to the
    same target unless told not to): clients of several processes, whose connections the
    kernel spreads over the server's workers."""
    options = [("grpc.use_local_subchannel_pool", 1)]
    return [grpc.aio.insecure_channel(address, options=options) for _ in range(count)]


def send_all(address: str, texts: Sequence[str], clients: int) -> tuple[float, list[float], Counter[str]]:
    """Send every text as one Disambiguate call from ``clients`` concurrent clients.

    Returns wall seconds, per-call latencies in seconds, and the failed calls by status and details.
    """
    return asyncio.run(_send_all(address, texts, clients))
