"""``serve --workers N``: one worker per CPU, and a supervisor whose workers share the port and one
connection's calls, survive a ``kill -9`` under load, reload on SIGHUP, drain on SIGTERM and report
through one /metrics."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wsd_service._serving.supervisor import default_workers
from wsd_service._util.cpus import available_cpus
from wsd_service.client import WsdClient

from .load import CallLoop, metrics_text
from .server_process import free_port, start_serving
from .waiting import wait_until


def test_one_worker_per_cpu_by_default() -> None:
    assert default_workers(4) == 4 and default_workers(1) == 1


_BLAS_THREADS = """
import os, threadpoolctl
import numpy  # loaded before serve sets the variable, as by a caller's own import
from wsd_service._tools.serve import one_blas_thread
def threads():
    return max(i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas")
loaded = threads()
one_blas_thread()
print(loaded, threads(), os.environ["OPENBLAS_NUM_THREADS"])
"""


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("2", "2")])
def test_serve_runs_blas_on_one_thread_unless_told(given: str | None, expected: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    env |= {} if given is None else {"OPENBLAS_NUM_THREADS": given}
    done = subprocess.run(
        [sys.executable, "-c", _BLAS_THREADS], env=env, capture_output=True, text=True, check=True
    )
    loaded, now, inherited = done.stdout.split()
    # numpy loaded before serve could set the variable: the limit applies in this process, and
    # workers started from it inherit the variable
    assert inherited == expected
    assert int(now) == (1 if given is None else int(loaded))


def test_available_cpus_honours_the_cgroup_quota(tmp_path: Path) -> None:
    quota = tmp_path / "cpu.max"
    quota.write_text("100000 100000\n")
    assert available_cpus(quota) == 1
    quota.write_text("max 100000\n")
    assert available_cpus(quota) == len(os.sched_getaffinity(0))
    assert available_cpus(tmp_path / "absent") == len(os.sched_getaffinity(0))


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _workers(pid: int, count: int, timeout: float = 60) -> set[int]:
    """The supervisor's worker processes (multiprocessing's resource tracker is not one)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        workers = {c for c in _children(pid) if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()}
        if len(workers) == count:
            return workers
        time.sleep(0.2)
    raise AssertionError(f"expected {count} workers under {pid}")


def _connected(workers: set[int], port: int) -> int:
    """The worker holding an established connection on ``port`` (the clients share one)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # ESTABLISHED
                inodes.add(f"socket:[{fields[9]}]")
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if str(fd.readlink()) in inodes:
                    return pid
            except OSError:
                continue
    raise AssertionError("no worker holds the clients' connection")


def test_two_workers_survive_a_kill_under_load_reload_and_drain(tiny_index: Path) -> None:
    metrics_port = free_port()
    extra = ("--workers", "2", "--metrics-port", str(metrics_port))
    process, address = start_serving(tiny_index, extra=extra)
    try:
        first = _workers(process.pid, 2)
        for worker in first:  # the encoder slots use the cores: numpy's BLAS stays on one thread
            assert b"OPENBLAS_NUM_THREADS=1" in Path(f"/proc/{worker}/environ").read_bytes().split(b"\0")
        with (
            WsdClient(address, timeout=30) as client,
            CallLoop(lambda: client.disambiguate("I went to the bank and withdrew some cash"), 4) as load,
        ):
            # One connection, served by both workers: the one holding it hands calls to the other.
            wait_until(lambda: _handed_over(metrics_port) >= 2, "calls handed over to the other worker")
            victim = _connected(first, int(address.rsplit(":", 1)[1]))  # kill the one serving
            os.kill(victim, signal.SIGKILL)
            replaced = _workers(process.pid, 2)
            assert victim not in replaced and len(replaced - first) == 1
            answered, handed = load.answered, _handed_over(metrics_port)
            wait_until(
                lambda: (
                    load.answered >= answered + 20
                    and {"0", "1"} <= _worker_labels(metrics_port)
                    and _handed_over(metrics_port) > handed
                ),
                "the new worker serving beside the other, and calls handed over again",
            )
        assert load.failures == [] and load.answered > 20
        text = metrics_text(metrics_port)
        assert re.search(r"^wsd_worker_restarts_total 1\.0$", text, re.M), text[-500:]
        process.send_signal(signal.SIGHUP)  # every worker reloads its index
        assert sorted(_reloaded(metrics_port, 2)) == ["0", "1"]
        sockets = _unix_sockets(replaced)
        assert len(sockets) == 2 and len({path.parent for path in sockets}) == 1
        folder = sockets[0].parent
        assert folder.stat().st_mode & 0o777 == 0o700  # only this user reaches the workers' sockets
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
        assert not any(_alive(pid) for pid in replaced)  # every worker stopped
        assert not folder.exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _unix_sockets(workers: set[int]) -> list[Path]:
    """The paths of the Unix sockets the workers listen on (their private sockets)."""
    inodes = set()
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                inodes.add(str(fd.readlink()).removeprefix("socket:[").removesuffix("]"))
            except OSError:
                continue
    lines = (line.split() for line in Path("/proc/net/unix").read_text().splitlines()[1:])
    return sorted(Path(f[7]) for f in lines if len(f) == 8 and f[6] in inodes and f[3] == "00010000")


def _handed_over(metrics_port: int) -> float:
    """Calls answered by a worker they were handed to, over all workers."""
    pattern = r'^wsd_requests_total\{code="OK",method="Disambiguate",transport="handoff",worker="\d"\} (\S+)$'
    return sum(float(count) for count in re.findall(pattern, metrics_text(metrics_port), re.M))


def _worker_labels(metrics_port: int) -> set[str]:
    """The worker slots the supervisor's metrics name."""
    return set(re.findall(r'worker="(\d+)"', metrics_text(metrics_port)))


def _reloaded(metrics_port: int, workers: int, timeout: float = 60) -> list[str]:
    """The workers whose index reloaded once, waiting until ``workers`` have."""
    deadline = time.time() + timeout
    reloaded: list[str] = []
    while len(reloaded) < workers and time.time() < deadline:
        time.sleep(0.5)
        pattern = r'^wsd_index_reloads_total\{outcome="ok",worker="(\d)"\} 1\.0$'
        reloaded = re.findall(pattern, metrics_text(metrics_port), re.M)
    return reloaded


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_stop_when_the_supervisor_is_killed(tiny_index: Path) -> None:
    process, _ = start_serving(tiny_index, extra=("--workers", "2"))
    workers = _workers(process.pid, 2)
    process.kill()  # no chance to forward anything: the workers must notice on their own
    process.wait()
    deadline = time.time() + 30
    while any(_alive(pid) for pid in workers) and time.time() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)  # none keeps the port


@pytest.mark.parametrize("workers", ["0", "-1"])
def test_workers_must_be_positive(tiny_index: Path, workers: str, capsys: pytest.CaptureFixture[str]) -> None:
    from wsd_service.cli import main

    assert main(["serve", "--index", str(tiny_index), "--workers", workers]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err
