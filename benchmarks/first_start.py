"""First start as a new user meets it: ``./wsd.sh serve`` on a fresh clone (setup, the ONNX export,
the default index build in a child process) until health says SERVING; then the server's RSS,
and a normal restart's time and RSS for comparison.

.venv/bin/python benchmarks/first_start.py [--keep /tmp/fresh-clone]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from _common import machine
from _loopback import free_port, tree_pss_mb, tree_rss_mb, wait_serving

ROOT = Path(__file__).resolve().parents[1]


def _serve(clone: Path, port: int, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], float]:
    started = time.monotonic()
    process = subprocess.Popen(
        ["./wsd.sh", "serve", "--port", str(port)], cwd=clone, env=env, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    wait_serving(f"127.0.0.1:{port}", timeout=3600)
    return process, time.monotonic() - started


def _memory(pid: int) -> str:
    return f"server tree RSS {tree_rss_mb(pid):.0f} MB summed, PSS {tree_pss_mb(pid):.0f} MB"


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="clone here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    clone = args.keep or Path(tempfile.mkdtemp(prefix="wsd-fresh-"))
    cache = Path(tempfile.mkdtemp(prefix="wsd-cache-"))
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = os.environ | {"WSD_CACHE_DIR": str(cache)}
    print(f"machine: {machine()}")
    try:
        port = free_port()
        process, seconds = _serve(clone, port, env)
        what = "first start (setup, ONNX export, default index build)"
        print(f"{what} to SERVING: {seconds:.0f} s, {_memory(process.pid)}")
        _stop(process)
        process, seconds = _serve(clone, port, env)
        print(f"normal start to SERVING: {seconds:.1f} s, {_memory(process.pid)}")
        _stop(process)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if args.keep is None:
            shutil.rmtree(clone, ignore_errors=True)


if __name__ == "__main__":
    main()
