"""HTTP/JSON against gRPC, side by side on one default ``serve``: words/s with concurrent calls and
the idle latency of a 20-word sentence, on SemCor sentences the server has not seen.

Each transport gets its own unseen sentences, in two rounds with the order swapped (gRPC then
HTTP, then HTTP then gRPC), so that neither gains from warmer caches. gRPC calls share one
channel (what a client opens); HTTP calls share a pool of keep-alive connections, one per
concurrent call (HTTP/1.1 answers one request at a time per connection).

    .venv/bin/python benchmarks/http_vs_grpc.py --index sense_index/default [--clients 16]
        [--sentences 240] [--idle 100] [--serve-args "--workers 2"]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shlex
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import grpc
from _common import machine, percentile, sentences
from _loopback import running_server

from wsd_service._proto.wsd.v1 import wsd_service_pb2 as pb
from wsd_service._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc

Words = list[list[str]]
Call = Callable[[list[str]], Awaitable[None]]
IDLE_WORDS = range(18, 23)


@dataclass
class Tally:
    seconds: float = 0.0
    words: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)


async def _run(call: Call, words: Words, clients: int, tally: Tally) -> None:
    pending = iter(words)

    async def client() -> None:
        for sentence in pending:
            started = time.perf_counter()
            try:
                await call(sentence)
            except (grpc.aio.AioRpcError, aiohttp.ClientError, RuntimeError):
                tally.errors += 1
                continue
            tally.latencies.append(time.perf_counter() - started)
            tally.words += len(sentence)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    tally.seconds += time.perf_counter() - started


def _grpc_call(stub: pb_grpc.WsdServiceStub) -> Call:
    async def call(sentence: list[str]) -> None:
        await stub.Disambiguate(
            pb.DisambiguateRequest(documents=[pb.Document(text=" ".join(sentence))]), timeout=60
        )

    return call


def _http_call(session: aiohttp.ClientSession, url: str) -> Call:
    async def call(sentence: list[str]) -> None:
        body = json.dumps({"documents": [{"text": " ".join(sentence)}]})
        headers = {"Content-Type": "application/json"}
        async with session.post(url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(60)) as answer:
            await answer.read()
            if answer.status != 200:
                raise RuntimeError(f"HTTP {answer.status}")

    return call


async def _measure(
    address: str, http_base: str, parts: list[Words], idle: list[Words], clients: int
) -> dict[str, Tally]:
    busy = {"grpc": Tally(), "http": Tally()}
    calm = {"grpc": Tally(), "http": Tally()}
    connector = aiohttp.TCPConnector(limit=clients)
    async with (
        grpc.aio.insecure_channel(address) as channel,
        aiohttp.ClientSession(connector=connector) as session,
    ):
        calls = {
            "grpc": _grpc_call(pb_grpc.WsdServiceStub(channel)),
            "http": _http_call(session, http_base + "/v1/disambiguate"),
        }
        await _run(calls["grpc"], parts[0], clients, Tally())  # warm-up, both transports
        await _run(calls["http"], parts[1], clients, Tally())
        for round_, order in enumerate((("grpc", "http"), ("http", "grpc"))):
            for turn, transport in enumerate(order):
                await _run(calls[transport], parts[2 + 2 * round_ + turn], clients, busy[transport])
        for transport, sentences_ in zip(("grpc", "http"), idle, strict=True):
            await _run(calls[transport], sentences_, 1, calm[transport])
    return {f"{t} busy": busy[t] for t in busy} | {f"{t} idle": calm[t] for t in calm}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("sense_index/default"))
    parser.add_argument("--serve-args", default="", help="extra options for wsd-service serve")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--sentences", type=int, default=240, help="sentences per measured pass")
    parser.add_argument("--idle", type=int, default=100, help="idle calls per transport")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    pool = random.Random(args.seed).sample(sentences(["semcor"], None), 20_000)
    n = args.sentences
    parts = [pool[i * n : (i + 1) * n] for i in range(6)]  # two warm-ups, four measured passes
    short = [s for s in pool[6 * n :] if len(s) in IDLE_WORDS]
    idle = [short[: args.idle], short[args.idle : 2 * args.idle]]
    print(f"machine: {machine()}")
    print(f"serve --index {args.index} {args.serve_args}".rstrip())
    with running_server(args.index, shlex.split(args.serve_args), http=True) as server:
        found = asyncio.run(_measure(server.address, server.http_url, parts, idle, args.clients))
    busy = {t: found[f"{t} busy"] for t in ("grpc", "http")}
    rates = {t: tally.words / tally.seconds for t, tally in busy.items()}
    print(f"{args.clients} concurrent calls, {2 * n} unseen sentences per transport:")
    for transport, tally in busy.items():
        p50, p99 = (1000 * percentile(tally.latencies, q) for q in (50, 99))
        rate = rates[transport]
        print(f"  {transport:5} {rate:7.0f} words/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms", end="")
        print(f"  errors {tally.errors}")
    print(f"  HTTP / gRPC words/s: {rates['http'] / rates['grpc']:.2f}")
    idle_p50 = {t: 1000 * percentile(found[f"{t} idle"].latencies, 50) for t in ("grpc", "http")}
    print(f"idle, one call at a time, {args.idle} unseen sentences of 18-22 words each:")
    for transport in ("grpc", "http"):
        print(
            f"  {transport:5} p50 {idle_p50[transport]:5.1f} ms  errors {found[f'{transport} idle'].errors}"
        )
    print(f"  HTTP - gRPC p50: {idle_p50['http'] - idle_p50['grpc']:+.1f} ms")


if __name__ == "__main__":
    main()
