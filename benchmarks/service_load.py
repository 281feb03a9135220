"""Benchmark 3 and 4: the real server on loopback under 1/4/16/64 concurrent clients, and one
idle client's latency for a 20-word sentence. Ratios are to the encoder ceiling of the same
sentences, measured in the same run.

    .venv/bin/python benchmarks/service_load.py --index sense_index/default [--requests 400]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from _common import machine, percentile, sentences
from _loopback import running_server, send_all
from encoder_ceiling import ceiling


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("sense_index/default"))
    parser.add_argument("--requests", type=int, default=400, help="sentences per concurrency level")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--idle", type=int, default=200, help="requests for the idle latency figure")
    parser.add_argument("--serve-args", default="", help="extra options for wsd-service serve")
    args = parser.parse_args()
    pool = sentences(["semeval2007", "semcor"], None)
    random.seed(7)
    chosen = random.sample(pool, args.requests)
    texts = [" ".join(s) for s in chosen]
    words = sum(len(s) for s in chosen)
    reference = ceiling(chosen)
    print(f"machine: {machine()}")
    print(f"encoder ceiling on the same {len(chosen)} sentences: {words / reference:.0f} words/s")
    with running_server(args.index, args.serve_args.split()) as server:
        send_all(server.address, texts[:20], 4)  # warm-up
        print("clients  words/s  ratio  p50 ms  p95 ms  p99 ms errors  batch")
        for clients in args.clients:
            before = server.batch_totals()
            seconds, latencies, failures = send_all(server.address, texts, clients)
            errors = failures.total()
            after = server.batch_totals()
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
        _, idle, _ = send_all(server.address, [twenty] * args.idle, 1)
        rss, pss = server.rss_mb(), server.pss_mb()
        print(f"server process tree after the load: RSS {rss:.0f} MB summed, PSS {pss:.0f} MB (shared once)")
        idle_ms = [1000 * x for x in idle]
        print(f"idle, one 20-word sentence, {args.idle} requests: p50 {percentile(idle_ms, 50):.1f} ms,"
              f" p99 {percentile(idle_ms, 99):.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
