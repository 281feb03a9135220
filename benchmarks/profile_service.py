"""Where the server's time goes under load: py-spy samples the real server (all threads) while
N clients send single sentences, and each sample is attributed to one stage.

.venv/bin/python benchmarks/profile_service.py --index sense_index/default [--clients 16]
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

from _common import machine, sentences
from _loopback import running_server, send_all

# First match wins, so the encoder's stages come before the request handling that calls them.
STAGES = (
    (
        "encoder forward pass",
        (
            "hidden_states (wsd_service/_engine/encoding/onnx_backend.py",
            "hidden_states (wsd_service/_engine/encoding/torch_backend.py",
        ),
    ),
    ("tokeniser (word pieces)", ("_word_pieces (wsd_service/_engine/encoding/encoder.py",)),
    ("alignment, pooling, padding", ("wsd_service/_engine/encoding/encoder.py",)),
    (
        "search and ranking",
        (
            "wsd_service/_engine/query/rank.py",
            "wsd_service/_engine/query/nearest_senses.py",
            "wsd_service/_engine/store/",
        ),
    ),
    (
        "text preparation (tokens, expressions, candidates)",
        ("wsd_service/_engine/query/prepare.py", "wsd_service/_engine/lexicon/"),
    ),
    (
        "gRPC and protobuf translation",
        ("wsd_service/_serving/servicer.py", "wsd_service/_core/convert.py", "grpc/"),
    ),
    ("batcher and event loop", ("wsd_service/_serving/batcher.py", "asyncio/")),
)


RATE = 100  # samples per second per thread
NO_PTRACE = 3  # exit status when py-spy may not attach (a container without CAP_SYS_PTRACE)


def _stage(stack: str) -> str:
    for name, markers in STAGES:
        if any(marker in stack for marker in markers):
            return name
    return "other"


def _attribute(raw: Path) -> tuple[Counter[str], int]:
    """Samples per stage, and samples of the encoder thread, from py-spy's collapsed stacks
    ("thread (id): name;frame;frame;... count")."""
    samples: Counter[str] = Counter()
    encoder_thread = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            samples[_stage(stack)] += int(count)
            encoder_thread += int(count) if stack.split(";")[0].split(": ")[-1].startswith("encoder") else 0
    return samples, encoder_thread


def _py_spy() -> str:
    """py-spy from this interpreter's environment, else from PATH."""
    return shutil.which("py-spy", path=str(Path(sys.executable).parent)) or "py-spy"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("sense_index/default"))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--requests", type=int, default=5000, help="more than --seconds can send")
    parser.add_argument("--serve-args", default="", help="extra options for wsd-service serve")
    args = parser.parse_args()
    pool = [" ".join(s) for s in sentences(["semeval2007", "semcor"], None)]
    random.seed(7)
    texts = random.choices(pool, k=args.requests)
    print(f"machine: {machine()}")
    serve_args = ["--workers", "1", *args.serve_args.split()]  # py-spy samples one server process
    with running_server(args.index, serve_args) as server, tempfile.TemporaryDirectory() as tmp:
        send_all(server.address, texts[:20], 4)  # warm-up
        raw = Path(tmp) / "stacks.txt"
        command = [_py_spy(), "record", "--pid", str(server.pid), "--duration", str(args.seconds),
                   "--rate", str(RATE), "--format", "raw", "--threads", "--output", str(raw),
                   "--nonblocking"]  # fmt: skip
        profiler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        done = threading.Event()
        threading.Thread(target=lambda: (profiler.wait(), done.set()), daemon=True).start()
        sent = 0
        step = 4 * args.clients  # small rounds: the load stops soon after the sampling does
        while not done.is_set() and sent < len(texts):
            send_all(server.address, texts[sent : sent + step], args.clients)
            sent += step
        if profiler.wait() != 0 or not raw.is_file():
            print("py-spy could not sample the server (it needs ptrace permission)", file=sys.stderr)
            raise SystemExit(NO_PTRACE)
        samples, encoder_thread = _attribute(raw)
    total = sum(samples.values()) or 1
    busy = encoder_thread / (RATE * args.seconds)
    print(f"{args.clients} clients, {args.seconds} s: encoder thread busy {100 * busy:.0f} % of the time")
    print("py-spy samples of the server's busy threads, by stage:")
    for name, count in samples.most_common():
        print(f"  {name:<52} {100 * count / total:5.1f} %")


if __name__ == "__main__":
    main()
