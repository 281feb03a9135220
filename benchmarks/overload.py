"""Overload: goodput with 256 clients and 0.5 s deadlines against the throughput of 16 clients.

.venv/bin/python benchmarks/overload.py --index INDEX [--seconds 20] [--serve-args "..."]

Clients send one sentence per call (semeval2007 and the first SemCor sentences, as raw text),
in a loop, over 8 connections. Phase 1: 16 clients, no deadline (the throughput). Phase 2: 256
clients, each call with a 0.5 s deadline; a refused call (RESOURCE_EXHAUSTED) is retried after
the server's retry hint (google.rpc.RetryInfo), as a gRPC client honouring it would. Goodput
counts the words of calls answered OK; lateness is how long after its deadline a call ended.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import grpc
from _common import machine, percentile, sentences
from _loopback import open_channels, running_server

from wsd_service._proto.wsd.v1 import wsd_service_pb2 as pb
from wsd_service._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc
from wsd_service._remote.channel import remote_error


@dataclass
class Phase:
    codes: Counter[str] = field(default_factory=Counter)
    ok_words: int = 0
    ok_latencies: list[float] = field(default_factory=list)
    late: list[float] = field(default_factory=list)  # seconds past the deadline, every call


async def _client(
    stub: pb_grpc.WsdServiceStub, texts: list[str], end: float, deadline: float | None, phase: Phase
) -> None:
    rng = random.Random()
    while time.monotonic() < end:
        text = rng.choice(texts)
        started = time.monotonic()
        pause = 0.0
        try:
            await stub.Disambiguate(
                pb.DisambiguateRequest(documents=[pb.Document(text=text)]), timeout=deadline
            )
            phase.codes["OK"] += 1
            phase.ok_words += len(text.split())
            phase.ok_latencies.append(time.monotonic() - started)
        except grpc.aio.AioRpcError as error:
            phase.codes[error.code().name] += 1
            pause = getattr(remote_error(error), "retry_after", None) or 0.0  # older servers: none
        if deadline is not None:
            phase.late.append(time.monotonic() - started - deadline)
        if pause:
            await asyncio.sleep(pause)


async def _phase(
    address: str, texts: list[str], clients: int, seconds: float, deadline: float | None
) -> Phase:
    phase = Phase()
    end = time.monotonic() + seconds
    channels = open_channels(address)
    try:
        stubs = [pb_grpc.WsdServiceStub(channel) for channel in channels]
        await asyncio.gather(
            *(_client(stubs[n % len(stubs)], texts, end, deadline, phase) for n in range(clients))
        )
    finally:
        for channel in channels:
            await channel.close()
    return phase


def _report(name: str, phase: Phase, seconds: float) -> float:
    rate = phase.ok_words / seconds
    ms = [1000 * x for x in phase.ok_latencies] or [0.0]
    codes = ", ".join(f"{k} {v}" for k, v in sorted(phase.codes.items()))
    late = max(phase.late, default=0.0)
    p50, p99 = percentile(ms, 50), percentile(ms, 99)
    print(f"{name}: {rate:,.0f} words/s answered OK; OK p50 {p50:.0f} ms, p99 {p99:.0f} ms;")
    print(f"    latest end after a deadline {late:+.2f} s; {codes}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="sense_index/default")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=256)
    parser.add_argument("--deadline", type=float, default=0.5)
    parser.add_argument("--serve-args", default="", help="extra options for wsd-service serve")
    args = parser.parse_args()
    texts = [" ".join(s) for s in sentences(["semeval2007", "semcor"], 3000)]
    print(f"machine: {machine()}; serve args: {args.serve_args or '(none)'}")
    with running_server(args.index, args.serve_args.split()) as server:
        asyncio.run(_phase(server.address, texts[:50], 8, 3, None))  # warm-up
        phase = asyncio.run(_phase(server.address, texts, 16, args.seconds, None))
        base = _report("16 clients, no deadline", phase, args.seconds)
        phase = asyncio.run(_phase(server.address, texts, args.clients, args.seconds, args.deadline))
        good = _report(f"{args.clients} clients, {args.deadline} s deadlines", phase, args.seconds)
        print(f"goodput under overload: {good / base:.2f}x the 16-client throughput")


if __name__ == "__main__":
    main()
