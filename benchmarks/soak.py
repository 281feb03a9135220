"""Soak: 32 clients for a while, then deliberate overload; checks errors, RSS growth, latency.

.venv/bin/python benchmarks/soak.py --index sense_index/default --seconds 600 [--interval 60]

Normal phase: every call must succeed. Overload phase: many clients with short deadlines and
some cancelling early, against a small queue; only RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED and
CANCELLED are acceptable, a deadline must be honoured, and cancelled work must be dropped.
Exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

import grpc
from _common import machine, percentile, sentences
from _loopback import Server, running_server

from wsd_service._proto.wsd.v1 import wsd_service_pb2 as pb
from wsd_service._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc

OVERLOAD_OK = {"RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED", "CANCELLED"}


@dataclass
class Interval:
    codes: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    late: int = 0  # DEADLINE_EXCEEDED answered long after the deadline


async def _client(
    stub: pb_grpc.WsdServiceStub, texts: list[str], end: float, deadline: float, cancel_share: float,
    record: list[Interval],
) -> None:  # fmt: skip
    rng = random.Random()
    while time.monotonic() < end:
        request = pb.DisambiguateRequest(documents=[pb.Document(text=rng.choice(texts))])
        started = time.monotonic()
        call = stub.Disambiguate(request, timeout=deadline)
        try:
            if rng.random() < cancel_share:
                await asyncio.sleep(0.02)
                call.cancel()
            await call
            code = "OK"
        except asyncio.CancelledError:
            code = "CANCELLED"
        except grpc.aio.AioRpcError as error:
            code = error.code().name
        elapsed = time.monotonic() - started
        interval = record[-1]
        interval.codes[code] += 1
        interval.latencies.append(elapsed)
        interval.late += code == "DEADLINE_EXCEEDED" and elapsed > deadline + 1.0


async def _phase(
    server: Server, texts: list[str], clients: int, seconds: float, interval: float, deadline: float,
    cancel_share: float,
) -> list[tuple[Interval, float]]:  # fmt: skip
    """Per interval: what happened, and the server's RSS at its end."""
    record = [Interval()]
    rows: list[tuple[Interval, float]] = []
    end = time.monotonic() + seconds
    async with grpc.aio.insecure_channel(server.address) as channel:
        stub = pb_grpc.WsdServiceStub(channel)
        workers = [
            asyncio.ensure_future(_client(stub, texts, end, deadline, cancel_share, record))
            for _ in range(clients)
        ]
        while time.monotonic() < end:
            await asyncio.sleep(min(interval, max(0.0, end - time.monotonic())))
            rows.append((record[-1], server.rss_mb()))
            record.append(Interval())
        await asyncio.gather(*workers)
    return rows


def _print(name: str, rows: list[tuple[Interval, float]]) -> None:
    print(f"{name}: interval  calls  p50 ms  p95 ms  p99 ms   RSS MB  codes")
    for number, (interval, rss) in enumerate(rows, 1):
        ms = [1000 * x for x in interval.latencies] or [0.0]
        p50, p95, p99 = (percentile(ms, q) for q in (50, 95, 99))
        codes = ", ".join(f"{k} {v}" for k, v in sorted(interval.codes.items()))
        print(f"{number:>17} {len(ms):>6} {p50:7.1f} {p95:7.1f} {p99:7.1f} {rss:8.0f}  {codes}")


def _skipped(server: Server) -> dict[str, float]:
    with urllib.request.urlopen(server.metrics_url, timeout=10) as page:
        text = page.read().decode()
    return {k: float(v) for k, v in re.findall(r'^wsd_skipped_requests\{reason="(\w+)"\} (\S+)', text, re.M)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="sense_index/default")
    parser.add_argument("--seconds", type=float, default=600, help="normal phase, 32 clients")
    parser.add_argument("--interval", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--overload-seconds", type=float, default=60)
    parser.add_argument("--overload-clients", type=int, default=256)
    parser.add_argument("--max-queue", type=int, default=64, help="the server's queue, kept small")
    parser.add_argument("--max-rss-growth", type=float, default=0.05, help="allowed after warm-up")
    args = parser.parse_args()
    texts = [" ".join(s) for s in sentences(["semeval2007", "semcor"], None)]
    print(f"machine: {machine()}")
    failures: list[str] = []
    extra = ["--max-queue", str(args.max_queue)]
    with running_server(args.index, extra) as server:
        asyncio.run(_phase(server, texts, 4, min(5.0, args.interval), 60, 30, 0.0))  # warm-up
        normal = asyncio.run(_phase(server, texts, args.clients, args.seconds, args.interval, 30, 0.0))
        _print(f"normal, {args.clients} clients", normal)
        errors = sum(n for interval, _ in normal for code, n in interval.codes.items() if code != "OK")
        growth = (normal[-1][1] - normal[0][1]) / normal[0][1]
        print(f"errors {errors}; RSS growth after the first interval {100 * growth:+.1f} %")
        failures += ["errors in the normal phase"] * bool(errors)
        failures += [f"RSS grew {100 * args.max_rss_growth:.0f} % or more"] * (growth >= args.max_rss_growth)
        overload = asyncio.run(
            _phase(server, texts, args.overload_clients, args.overload_seconds, args.interval, 0.5, 0.2)
        )
        _print(f"overload, {args.overload_clients} clients, 0.5 s deadlines, 20 % cancelled", overload)
        codes = sum((interval.codes for interval, _ in overload), Counter())
        late = sum(interval.late for interval, _ in overload)
        skipped = _skipped(server)
        print(f"overload codes {dict(codes)}; deadline answers > 1 s late: {late}; dropped: {skipped}")
        failures += [f"{code} under overload" for code in codes if code not in OVERLOAD_OK | {"OK"}]
        failures += ["deadlines not honoured"] * bool(late)
    print("PASS" if not failures else "FAIL: " + "; ".join(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
