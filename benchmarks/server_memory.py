"""Benchmark 5: the server's resident memory after loading an index and after N requests.

.venv/bin/python benchmarks/server_memory.py --index sense_index/semcor [--requests 10000]
"""

from __future__ import annotations

import argparse
import itertools
import random
from pathlib import Path

from _common import machine, sentences
from _loopback import running_server, send_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--serve-args", default="", help="extra options for wsd-service serve")
    args = parser.parse_args()
    pool = [" ".join(s) for s in sentences(["semeval2007", "semcor"], None)]
    random.seed(7)
    random.shuffle(pool)
    texts = list(itertools.islice(itertools.cycle(pool), args.requests))
    print(f"machine: {machine()}")
    with running_server(args.index, args.serve_args.split()) as server:
        loaded = server.rss_mb()
        print(f"RSS after loading {args.index}: {loaded:.0f} MB")
        checkpoints = sorted({args.requests // 10, args.requests})
        done = 0
        for checkpoint in checkpoints:
            _, _, failures = send_all(server.address, texts[done:checkpoint], args.clients)
            done = checkpoint
            rss, pss = server.rss_mb(), server.pss_mb()
            print(
                f"after {done} requests ({args.clients} clients, {failures.total()} errors): RSS {rss:.0f} MB"
                f" summed, PSS {pss:.0f} MB (shared pages once)"
            )
            for failure, count in failures.most_common():
                print(f"failed calls: {count} x {failure}")


if __name__ == "__main__":
    main()
