"""Overload: goodput with 256 clients and 0.5 s deadlines against the throughput of 16 clients.

.venv/bin/python benchmarks/overload.py --index INDEX [--seconds 20] [--serve-args "..."]

Clients send one sentence per call (semeval2007 and the first SemCor sentences, as raw text),
in a loop, over 8 gRPC connections, or over HTTP/JSON (``--transport http``: a keep-alive
connection per client, the deadline in X-Request-Timeout). Phase 1: 16 clients, no deadline
(the throughput). Phase 2: 256 clients, each call with a 0.5 s deadline; a refused call
(RESOURCE_EXHAUSTED) is retried after the server's retry hint (google.rpc.RetryInfo), as a client
honouring it would. Goodput counts the words of calls answered OK; lateness is how long after its
deadline a call ended.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import grpc
from _common import machine, percentile, sentences
from _loopback import Server, open_channels, running_server
from google.rpc import code_pb2

from wsd_service._core.status import error_from_rpc
from wsd_service._proto.wsd.v1 import wsd_service_pb2 as pb
from wsd_service._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc


@dataclass
class Phase:
    codes: Counter[str] = field(default_factory=Counter)
    ok_words: int = 0
    ok_latencies: list[float] = field(default_factory=list)
    late: list[float] = field(default_factory=list)  # seconds past the deadline, every call


_CODE_NAMES = {number: name for name, number in code_pb2.Code.items()}
# One call: its outcome (a gRPC code name) and how long the server asked the client to wait.
Call = Callable[[str, "float | None"], Awaitable[tuple[str, float]]]


async def _client(call: Call, texts: list[str], end: float, deadline: float | None, phase: Phase) -> None:
    rng = random.Random()
    while time.monotonic() < end:
        text = rng.choice(texts)
        started = time.monotonic()
        code, pause = await call(text, deadline)
        phase.codes[code] += 1
        if code == "OK":
            phase.ok_words += len(text.split())
            phase.ok_latencies.append(time.monotonic() - started)
        if deadline is not None:
            phase.late.append(time.monotonic() - started - deadline)
        if pause:
            await asyncio.sleep(pause)


def _grpc_call(stub: pb_grpc.WsdServiceStub) -> Call:
    async def call(text: str, deadline: float | None) -> tuple[str, float]:
        try:
            await stub.Disambiguate(
                pb.DisambiguateRequest(documents=[pb.Document(text=text)]), timeout=deadline
            )
        except grpc.aio.AioRpcError as error:
            return error.code().name, getattr(error_from_rpc(error), "retry_after", None) or 0.0
        return "OK", 0.0

    return call


def _http_call(session: aiohttp.ClientSession, url: str, phase: Phase) -> Call:
    async def call(text: str, deadline: float | None) -> tuple[str, float]:
        headers = {"Content-Type": "application/json"}
        if deadline is not None:
            headers["X-Request-Timeout"] = str(deadline)
        body = json.dumps({"documents": [{"text": text}]})
        async with session.post(url, data=body, headers=headers) as answer:
            payload = await answer.read()
            if answer.status == 200:
                return "OK", 0.0
            status = json.loads(payload)
            if answer.status in (429, 503) and "Retry-After" not in answer.headers:
                phase.codes["refused without Retry-After"] += 1
            return _CODE_NAMES.get(status.get("code", 2), "UNKNOWN"), _retry_delay(status)

    return call


def _retry_delay(status: dict[str, Any]) -> float:
    """google.rpc.RetryInfo's delay ("0.475s"), finer than the Retry-After header's seconds."""
    for detail in status.get("details", []):
        if detail.get("@type", "").endswith("google.rpc.RetryInfo"):
            return float(detail["retryDelay"].rstrip("s"))
    return 0.0


@asynccontextmanager
async def _calls(server: Server, transport: str, clients: int, phase: Phase) -> AsyncIterator[list[Call]]:
    if transport == "grpc":
        channels = open_channels(server.address)
        try:
            yield [_grpc_call(pb_grpc.WsdServiceStub(channel)) for channel in channels]
        finally:
            for channel in channels:
                await channel.close()
        return
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as session:
        yield [_http_call(session, f"{server.http_url}/v1/disambiguate", phase)]


async def _phase(
    server: Server, transport: str, texts: list[str], clients: int, seconds: float, deadline: float | None
) -> Phase:
    phase = Phase()
    end = time.monotonic() + seconds
    async with _calls(server, transport, clients, phase) as calls:
        await asyncio.gather(
            *(_client(calls[n % len(calls)], texts, end, deadline, phase) for n in range(clients))
        )
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
    parser.add_argument("--transport", choices=("grpc", "http"), default="grpc")
    args = parser.parse_args()
    texts = [" ".join(s) for s in sentences(["semeval2007", "semcor"], 3000)]
    print(f"machine: {machine()}; transport: {args.transport}; serve args: {args.serve_args or '(none)'}")
    with running_server(args.index, args.serve_args.split(), http=args.transport == "http") as server:
        asyncio.run(_phase(server, args.transport, texts[:50], 8, 3, None))  # warm-up
        phase = asyncio.run(_phase(server, args.transport, texts, 16, args.seconds, None))
        base = _report("16 clients, no deadline", phase, args.seconds)
        phase = asyncio.run(_phase(server, args.transport, texts, args.clients, args.seconds, args.deadline))
        good = _report(f"{args.clients} clients, {args.deadline} s deadlines", phase, args.seconds)
        print(f"goodput under overload: {good / base:.2f}x the 16-client throughput")


if __name__ == "__main__":
    main()
