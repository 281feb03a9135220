"""Why aiohttp: the same POST /v1/disambiguate served by aiohttp (the server's own HTTP app) and by
Starlette on uvicorn (KServe's stack), over one data plane in one process, measured alternately.

    .venv/bin/python benchmarks/http_frameworks.py --index /work/idx/default [--clients 16]

One child process loads the index once and serves both: the real server (gRPC and its aiohttp
HTTP port) and a uvicorn server on a second port whose Starlette route hands the same request
message to the same ``WsdCalls``. The parent sends unseen SemCor sentences to each in turn (a
warm-up each, then two rounds in swapped order, 16 keep-alive connections), then one client at a
time for the idle latency. Errors and auth are the real app's only; the Starlette route is the
happy path, which is what is timed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import aiohttp
from _common import machine, percentile, sentences
from _loopback import free_port
from http_vs_grpc import IDLE_WORDS, Tally, Words, _http_call, _run

from wsd_service._proto.wsd.v1 import wsd_service_pb2 as pb

FRAMEWORKS = ("aiohttp", "starlette+uvicorn")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--sentences", type=int, default=240, help="per measured turn")
    parser.add_argument("--idle", type=int, default=50)
    parser.add_argument("--serve", nargs=2, type=int, metavar=("AIOHTTP_PORT", "UVICORN_PORT"))
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(args.index, *args.serve))
        return
    print(f"machine: {machine()}")
    ports = {"aiohttp": free_port(), "starlette+uvicorn": free_port()}
    pool = sentences(["semcor"], None)
    turns = [pool[n * args.sentences : (n + 1) * args.sentences] for n in range(6)]
    idle_pool = [s for s in pool[6 * args.sentences :] if len(s) in IDLE_WORDS][: 2 * args.idle]
    command = [sys.executable, __file__, "--index", str(args.index), "--serve", *map(str, ports.values())]
    child = subprocess.Popen(command)
    try:
        _wait_ready(ports["aiohttp"])
        tallies = asyncio.run(_measure(ports, turns, idle_pool, args.clients))
    finally:
        child.terminate()
        child.wait(60)
    _report(tallies, args.clients)


async def _serve(index: Path, aiohttp_port: int, uvicorn_port: int) -> None:
    """The real server with its aiohttp app, and a Starlette app on uvicorn over its calls."""
    import uvicorn
    from google.protobuf import json_format
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from wsd_service import ServerConfig, WsdServer
    from wsd_service._serving.http_requests import parse_message

    server = WsdServer(ServerConfig(index=index, port=0, http_port=aiohttp_port))
    await server.start()
    await server.wait_ready()

    async def disambiguate(request: Request) -> Response:
        message = parse_message(await request.body(), pb.DisambiguateRequest())
        answer = await server.calls.disambiguate(message, None)
        return Response(json_format.MessageToJson(answer, indent=None), media_type="application/json")

    app = Starlette(routes=[Route("/v1/disambiguate", disambiguate, methods=["POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=uvicorn_port, log_level="warning", lifespan="off")
    await uvicorn.Server(config).serve()  # until the parent terminates this process
    await server.stop()


def _wait_ready(port: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
                if json.load(answer)["status"] == "SERVING":
                    time.sleep(1)  # uvicorn binds right after
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError("the server did not become ready")


async def _measure(
    ports: dict[str, int], turns: list[Words], idle: Words, clients: int
) -> dict[str, tuple[Tally, Tally]]:
    busy = {name: Tally() for name in FRAMEWORKS}
    calm = {name: Tally() for name in FRAMEWORKS}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as session:
        calls = {
            name: _http_call(session, f"http://127.0.0.1:{port}/v1/disambiguate")
            for name, port in ports.items()
        }
        for name, turn in zip(FRAMEWORKS, turns[:2], strict=True):  # warm-up
            await _run(calls[name], turn, clients, Tally())
        for round_, order in enumerate((FRAMEWORKS, FRAMEWORKS[::-1])):
            for place, name in enumerate(order):
                await _run(calls[name], turns[2 + 2 * round_ + place], clients, busy[name])
        half = len(idle) // 2
        for name, part in zip(FRAMEWORKS, (idle[:half], idle[half:]), strict=True):
            await _run(calls[name], part, 1, calm[name])
    return {name: (busy[name], calm[name]) for name in FRAMEWORKS}


def _report(tallies: dict[str, tuple[Tally, Tally]], clients: int) -> None:
    print(f"framework            {clients} clients words/s   p50 ms   p99 ms   idle p50 ms  errors")
    for name, (busy, calm) in tallies.items():
        rate = busy.words / busy.seconds if busy.seconds else 0.0
        print(
            f"{name:20} {rate:16,.0f} {1000 * percentile(busy.latencies, 50):8.1f}"
            f" {1000 * percentile(busy.latencies, 99):8.1f} {1000 * percentile(calm.latencies, 50):13.1f}"
            f"  {busy.errors + calm.errors}"
        )


if __name__ == "__main__":
    main()
