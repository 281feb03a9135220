"""What a user of the server gets: words/s and latency on unseen text, against the bare encoders.

Each (channels, clients) cell sends SemCor sentences the server has not seen since it started, over
one shared channel (what a user's client opens) or several connections; the ratios are to the bare
fp32 torch and onnx-int8 encoders on other SemCor sentences, measured in the same run before the
server starts. Then one cell's text sent again, one idle client, the process tree's memory and the
semeval2007 F1 (computed first, so it does not share the CPUs with the server). Several indexes
are served one after the other in the same run, each by a new server, against the same bare
encoders and over the same sentences.

    .venv/bin/python benchmarks/user_speed.py --index sense_index/default [...] [--serve-args "--workers 2"]
        [--sentences 240] [--warmup 50] [--clients 1 16] [--channels 1 8] [--idle 100] [--no-f1]
        [--json figures.json]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import random
import shlex
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grpc
from _common import DATA, machine, percentile, sentences
from _loopback import open_channels, running_server, tree_pss_mb, tree_rss_mb
from encoder_ceiling import backend_seconds

from wsd_service._proto.wsd.v1 import wsd_service_pb2 as pb
from wsd_service._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc

Words = list[list[str]]
# The options evaluate shares with serve: the F1 is then the served encoder's.
ENCODER_OPTIONS = ("--encoder", "--layers", "--batch-size", "--batch-tokens", "--threads", "--backend")
IDLE_WORDS = range(18, 23)


@dataclass(frozen=True)
class Texts:
    """Disjoint draws from SemCor, so that no measured call repeats a sentence the server has seen."""

    reference: Words
    warmup: Words
    cells: list[Words]
    idle: Words


@dataclass(frozen=True)
class Pass:
    seconds: float
    latencies: list[float]
    words: int  # of the answered calls: a failed call is no work done
    codes: Counter[str]  # failed calls by status code and details

    @property
    def errors(self) -> int:
        return self.codes.total()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, nargs="+", default=[Path("sense_index/default")])
    parser.add_argument("--serve-args", default="", help="extra options for wsd-service serve")
    parser.add_argument("--sentences", type=int, default=240, help="sentences per measured pass")
    parser.add_argument("--warmup", type=int, default=50, help="sentences sent before measuring")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 16], help="concurrent calls")
    parser.add_argument("--channels", type=int, nargs="+", default=[1, 8], help="1: one shared channel")
    parser.add_argument("--idle", type=int, default=100, help="calls of one idle client")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-f1", action="store_true", help="skip the semeval2007 F1")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    return parser.parse_args()


def _draw(args: argparse.Namespace, cells: int) -> Texts:
    pool = sentences(["semcor"], None)
    shuffled = random.Random(args.seed).sample(pool, len(pool))
    n = args.sentences
    needed = n + args.warmup + cells * n
    if needed > len(pool):
        raise SystemExit(f"{needed} sentences asked for, SemCor has {len(pool)}")
    cut = itertools.accumulate([n, args.warmup, *[n] * cells], initial=0)
    parts = [shuffled[a:b] for a, b in itertools.pairwise(cut)]
    idle = [s for s in shuffled[needed:] if len(s) in IDLE_WORDS][: args.idle]
    return Texts(parts[0], parts[1], parts[2:], idle)


def _f1(index: Path, serve_args: Sequence[str]) -> float:
    """semeval2007 F1 (ALL) of ``wsd-service evaluate`` with the served encoder options."""
    prefix = DATA / "semeval2007" / "semeval2007"
    command = [sys.executable, "-m", "wsd_service", "evaluate", "--index", str(index), "--json",
               *_encoder_options(serve_args), str(prefix)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"evaluate failed:\n{done.stderr[-2000:]}")
    (result,) = json.loads(done.stdout)["datasets"].values()
    return float(result["f1"])


def _encoder_options(serve_args: Sequence[str]) -> list[str]:
    kept: list[str] = []
    for n, arg in enumerate(serve_args):
        if arg.split("=", 1)[0] in ENCODER_OPTIONS:
            kept += [arg] if "=" in arg else list(serve_args[n : n + 2])
    return kept


def _count(words: Words) -> int:
    return sum(len(s) for s in words)


class _Tally:
    """What the calls of one pass got back."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.words = 0  # of the answered calls
        self.codes: Counter[str] = Counter()

    async def call(self, stub: pb_grpc.WsdServiceStub, sentence: list[str]) -> None:
        request = pb.DisambiguateRequest(documents=[pb.Document(text=" ".join(sentence))])
        started = time.perf_counter()
        try:
            await stub.Disambiguate(request, timeout=60)
        except grpc.aio.AioRpcError as error:
            self.codes[f"{error.code().name}: {error.details()}"[:200]] += 1
            return
        self.latencies.append(time.perf_counter() - started)
        self.words += len(sentence)


async def _send(address: str, words: Words, channels: int, clients: int) -> Pass:
    # One channel is what a user's client opens: every call multiplexed on one connection.
    opened = [grpc.aio.insecure_channel(address)] if channels == 1 else open_channels(address, channels)
    try:
        await asyncio.wait_for(asyncio.gather(*(c.channel_ready() for c in opened)), 60)
        stubs = [pb_grpc.WsdServiceStub(channel) for channel in opened]
        pending, turn, tally = iter(words), itertools.count(), _Tally()

        async def client() -> None:
            for sentence in pending:
                await tally.call(stubs[next(turn) % len(stubs)], sentence)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return Pass(time.perf_counter() - started, tally.latencies, tally.words, tally.codes)
    finally:
        for channel in opened:
            await channel.close()


def send(address: str, words: Words, channels: int, clients: int) -> Pass:
    """Every sentence as one Disambiguate call, ``clients`` at a time, spread round-robin over
    ``channels`` connections."""
    return asyncio.run(_send(address, words, channels, clients))


def _ms(latencies: Sequence[float], q: float) -> float:
    return 1000 * percentile(latencies, q) if latencies else math.nan


def _row(cell: dict[str, float], bare: dict[str, float]) -> str:
    rate = cell["words_per_s"]
    return (
        f"{cell['channels']:>8.0f} {cell['clients']:>7.0f} {rate:>8.0f} {rate / bare['fp32_torch']:>7.2f}"
        f" {rate / bare['onnx_int8']:>7.2f} {cell['p50_ms']:>7.1f} {cell['p99_ms']:>7.1f}"
        f" {cell['errors']:>6.0f}"
    )


def _cell(
    address: str, words: Words, channels: int, clients: int, failures: Counter[str]
) -> dict[str, float]:
    done = send(address, words, channels, clients)
    failures.update(done.codes)
    return {
        "channels": channels,
        "clients": clients,
        "words_per_s": done.words / done.seconds,
        "p50_ms": _ms(done.latencies, 50),
        "p99_ms": _ms(done.latencies, 99),
        "errors": done.errors,
    }


@dataclass(frozen=True)
class Served:
    cells: list[dict[str, float]]
    second: dict[str, float]
    idle: Pass
    pss_mb: float
    rss_mb: float
    failures: Counter[str]  # every failed call of the run, warm-up included, by status and details


def _serve(args: argparse.Namespace, index: Path, texts: Texts, bare: dict[str, float]) -> Served:
    grid = list(itertools.product(args.channels, args.clients))
    serve_args = shlex.split(args.serve_args)
    with running_server(index, serve_args) as server:
        # Warm-up over every connection, so that each of several workers has run a batch.
        failures = send(server.address, texts.warmup, max(args.channels), max(args.clients)).codes
        print("channels clients  words/s  x fp32  x int8  p50 ms  p99 ms errors")
        cells = []
        for (channels, clients), sample in zip(grid, texts.cells, strict=True):
            cells.append(_cell(server.address, sample, channels, clients, failures))
            print(_row(cells[-1], bare), flush=True)
        again = grid.index(_second_pass_cell(args))
        second = _cell(server.address, texts.cells[again], *grid[again], failures)
        idle = send(server.address, texts.idle, 1, 1)
        failures.update(idle.codes)
        pss, rss = tree_pss_mb(server.pid), tree_rss_mb(server.pid)
        return Served(cells, second, idle, pss, rss, failures)


def _second_pass_cell(args: argparse.Namespace) -> tuple[int, int]:
    """The pass sent again: the fewest connections and the most clients (1 channel, 16 clients)."""
    return min(args.channels), max(args.clients)


def _lines(args: argparse.Namespace, texts: Texts, bare: dict[str, float], served: Served) -> list[str]:
    channels, clients = _second_pass_cell(args)
    first = next(c for c in served.cells if (c["channels"], c["clients"]) == (channels, clients))
    second = served.second["words_per_s"]
    idle = served.idle.latencies
    plural = "s" if channels > 1 else ""
    return [
        f"bare encoders: fp32 torch {bare['fp32_torch']:.0f} words/s,"
        f" onnx-int8 {bare['onnx_int8']:.0f} words/s",
        f"second pass over the same text ({channels} channel{plural}, {clients} clients):"
        f" {second:.0f} words/s (first pass / second pass = {first['words_per_s'] / second:.2f})",
        f"idle p50 {_ms(idle, 50):.1f} ms, p99 {_ms(idle, 99):.1f} ms (one client, one channel,"
        f" {len(texts.idle)} unseen sentences of {IDLE_WORDS.start}-{IDLE_WORDS.stop - 1} words,"
        f" {served.idle.errors} errors)",
        f"process tree after the load: PSS {served.pss_mb:.0f} MB (RSS summed {served.rss_mb:.0f} MB)",
        *(f"failed calls: {n} x {failure}" for failure, n in served.failures.most_common()),
    ]


def _write_json(
    path: Path, bare: dict[str, float], runs: Sequence[tuple[Path, Served, float | None]]
) -> None:
    figures = {
        "machine": machine(),
        "command": [sys.executable, *sys.argv],
        "bare_words_per_s": bare,
        "indexes": [
            {
                "index": str(index),
                "cells": served.cells,
                "second_pass": served.second,
                "idle": {
                    "p50_ms": _ms(served.idle.latencies, 50),
                    "p99_ms": _ms(served.idle.latencies, 99),
                    "errors": served.idle.errors,
                },
                "pss_mb": served.pss_mb,
                "rss_mb": served.rss_mb,
                "failed_calls": dict(served.failures),
                "semeval2007_f1": f1,
            }
            for index, served, f1 in runs
        ],
    }
    path.write_text(json.dumps(figures, indent=2) + "\n")


def main() -> None:
    args = _arguments()
    print(f"machine: {machine()}")
    print(f"command: {shlex.join([sys.executable, *sys.argv])}", flush=True)
    texts = _draw(args, len(args.channels) * len(args.clients))
    # The F1s and the bare encoders before any server starts: nothing else then shares the CPUs.
    f1s = [None if args.no_f1 else _f1(index, shlex.split(args.serve_args)) for index in args.index]
    words = _count(texts.reference)
    bare = {name: words / backend_seconds(texts.reference, backend) for name, backend in
            (("fp32_torch", "torch"), ("onnx_int8", "onnx-int8"))}  # fmt: skip
    runs = []
    for index, f1 in zip(args.index, f1s, strict=True):
        print(f"index: {index}")
        served = _serve(args, index, texts, bare)
        print("\n".join(_lines(args, texts, bare, served)))
        if f1 is not None:
            print(f"semeval2007 F1: {f1:.2f}")
        runs.append((index, served, f1))
    if args.json:
        _write_json(args.json, bare, runs)


if __name__ == "__main__":
    main()
