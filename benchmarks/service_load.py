"""Benchmark 3 and 4: the real server on loopback under 1/4/16/64 concurrent clients, and one
idle client's latency for a 20-word sentence. Ratios are to the encoder ceiling of the same
sentences, measured in the same run.

    .venv/bin/python benchmarks/service_load.py --index sense_index/default [--requests 400]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import grpc
from _common import machine, percentile, sentences
from encoder_ceiling import ceiling

from wsd_service._proto.wsd.v1 import wsd_service_pb2 as pb
from wsd_service._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _batch_totals(metrics_url: str) -> tuple[float, float]:
    with urllib.request.urlopen(metrics_url, timeout=10) as page:
        text = page.read().decode()
    values = dict(re.findall(r"^wsd_encoder_batch_sentences_(sum|count) (\S+)", text, re.M))
    return float(values["sum"]), float(values["count"])


async def _load(address: str, texts: list[str], clients: int) -> tuple[float, list[float], int]:
    queue = list(texts)
    latencies: list[float] = []
    errors = 0

    async def client(stub: pb_grpc.WsdServiceStub) -> None:
        nonlocal errors
        while queue:
            text = queue.pop()
            started = time.perf_counter()
            try:
                await stub.Disambiguate(
                    pb.DisambiguateRequest(documents=[pb.Document(text=text)]), timeout=60
                )
                latencies.append(time.perf_counter() - started)
            except grpc.aio.AioRpcError:
                errors += 1

    async with grpc.aio.insecure_channel(address) as channel:
        stub = pb_grpc.WsdServiceStub(channel)
        started = time.perf_counter()
        await asyncio.gather(*(client(stub) for _ in range(clients)))
        return time.perf_counter() - started, latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("sense_index/default"))
    parser.add_argument("--requests", type=int, default=400, help="sentences per concurrency level")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--idle", type=int, default=200, help="requests for the idle latency figure")
    args = parser.parse_args()
    pool = sentences(["semeval2007", "semcor"], None)
    random.seed(7)
    chosen = random.sample(pool, args.requests)
    texts = [" ".join(s) for s in chosen]
    words = sum(len(s) for s in chosen)
    reference = ceiling(chosen)
    print(f"machine: {machine()}")
    print(f"encoder ceiling on the same {len(chosen)} sentences: {words / reference:.0f} words/s")
    port, metrics_port = _free_port(), _free_port()
    command = [sys.executable, "-m", "wsd_service", "serve", "--index", str(args.index), "--port", str(port),
               "--metrics-port", str(metrics_port)]  # fmt: skip
    server = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    address, metrics_url = f"127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}/metrics"
    try:
        _wait_serving(address)
        asyncio.run(_load(address, texts[:20], 4))  # warm-up
        print("clients  words/s  ratio  p50 ms  p95 ms  p99 ms errors  batch")
        for clients in args.clients:
            before = _batch_totals(metrics_url)
            seconds, latencies, errors = asyncio.run(_load(address, texts, clients))
            after = _batch_totals(metrics_url)
            batch = (after[0] - before[0]) / max(1.0, after[1] - before[1])
            rate = words / seconds
            ms = [1000 * x for x in latencies]
            ratio = rate * reference / words
            p50, p95, p99 = (percentile(ms, q) for q in (50, 95, 99))
            row = f"{clients:>7} {rate:>8.0f} {ratio:>6.2f} {p50:>7.1f} {p95:>7.1f} {p99:>7.1f}"
            print(f"{row} {errors:>6} {batch:>6.1f}")
        twenty = " ".join(
            ["The committee said the bank would review the loan before the end of the year ."] * 2
        )
        twenty = " ".join(twenty.split()[:20])
        _, idle, _ = asyncio.run(_load(address, [twenty] * args.idle, 1))
        idle_ms = [1000 * x for x in idle]
        print(f"idle, one 20-word sentence, {args.idle} requests: p50 {percentile(idle_ms, 50):.1f} ms,"
              f" p99 {percentile(idle_ms, 99):.1f} ms")  # fmt: skip
    finally:
        server.terminate()
        server.wait(30)


def _wait_serving(address: str) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    deadline = time.time() + 300
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while time.time() < deadline:
            try:
                if (
                    health.Check(health_pb2.HealthCheckRequest()).status
                    == health_pb2.HealthCheckResponse.SERVING
                ):
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.2)
    raise SystemExit("the server did not become ready")


if __name__ == "__main__":
    main()
