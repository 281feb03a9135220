"""Where a served sentence's CPU goes: every thread of the default ``serve`` under one client
channel and 16 concurrent calls on SemCor sentences it has not seen, against the bare onnx-int8
encoder's speed in the same run, and the ceiling the server's CPU per sentence sets.

    .venv/bin/python benchmarks/served_cpu.py --index sense_index/semcor [--sentences 1200]
        [--warmup 200] [--serve-args "..."]

Threads by role: each worker's main thread (its event loop: gRPC's callbacks, preparation,
ranking, the answers), its other Python threads (the encoder slots), gRPC's own C++ threads, the
supervisor; the load generator (this process) apart. The ceilings are the words/s of the machine's
cores doing nothing but that CPU per sentence (all of the server's, or only its encoder slots'),
over the bare encoder's words/s.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import time
from collections import Counter
from pathlib import Path

from _common import machine, sentences
from _loopback import running_server, tree_pids
from encoder_ceiling import backend_seconds
from user_speed import send

_TICKS = os.sysconf("SC_CLK_TCK")
_CORES = len(os.sched_getaffinity(0))
_ROLES = ("event loops", "encoder slots (other Python threads)", "gRPC's own threads", "supervisor")


def _thread_seconds(root: int) -> Counter[str]:
    """CPU seconds so far of every thread of the process tree under ``root``, by role."""
    seconds: Counter[str] = Counter()
    for pid in tree_pids(root):
        try:
            python = Path(f"/proc/{pid}/comm").read_text().strip()
            tasks = Path(f"/proc/{pid}/task").iterdir()
            stats = [(int(task.name), (task / "stat").read_text()) for task in tasks]
        except OSError:  # the process or a thread ended meanwhile
            continue
        for tid, stat in stats:
            name, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
            role = _role(root, pid, tid, name == python)
            seconds[role] += (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime
    return seconds


def _role(root: int, pid: int, tid: int, python_thread: bool) -> str:
    if pid == root:
        return _ROLES[3]
    if tid == pid:
        return _ROLES[0]
    return _ROLES[1] if python_thread else _ROLES[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--sentences", type=int, default=1200)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--serve-args", default="", help="extra options for wsd-service serve")
    args = parser.parse_args()
    pool = sentences(["semcor"], None)
    random.Random(3).shuffle(pool)
    n, warm = args.sentences, args.warmup
    reference, warmup, measured = pool[:n], pool[n : n + warm], pool[n + warm : 2 * n + warm]
    print(f"machine: {machine()}")
    bare_speed = sum(map(len, reference)) / backend_seconds(reference, "onnx-int8")
    with running_server(args.index, shlex.split(args.serve_args)) as server:
        send(server.address, warmup, 1, args.clients)
        before = _thread_seconds(server.pid)
        client, wall = time.process_time(), time.perf_counter()
        send(server.address, measured, 1, args.clients)
        wall, client = time.perf_counter() - wall, time.process_time() - client
        spent = _thread_seconds(server.pid) - before
    words = sum(map(len, measured))
    print(f"index: {args.index}; one channel, {args.clients} calls at a time, {len(measured)} new sentences")
    print(f"served {words / wall:.0f} words/s, bare onnx-int8 {bare_speed:.0f} words/s"
          f" ({words / wall / bare_speed:.2f}x)")  # fmt: skip
    _report(spent, len(measured), client, wall)
    for name, seconds in (("all of it", sum(spent.values())), ("the encoder slots' only", spent[_ROLES[1]])):
        ceiling = _CORES * words / seconds / bare_speed
        print(f"ceiling on the {_CORES} cores, {name}: {ceiling:.2f}x bare int8")


def _report(spent: Counter[str], count: int, client: float, wall: float) -> None:
    total = sum(spent.values())
    print("server CPU per sentence, ms:")
    for role in _ROLES:
        print(f"  {role:40} {1000 * spent[role] / count:6.2f}")
    print(f"  {'all':40} {1000 * total / count:6.2f}  ({total / wall:.2f} cores)")
    print(f"load generator: {1000 * client / count:.2f} ms per sentence")


if __name__ == "__main__":
    main()
