"""``serve --workers N``: N server processes sharing one port, under one supervisor.

Each worker is a whole server (its own encoder, batcher and event loop) bound to the same
addresses: gRPC and the HTTP listener set ``SO_REUSEPORT``, so the kernel spreads connections over
the workers. Workers are not pinned: each encodes several batches at once on one thread each
(``BatcherConfig.slots``), so a single connection's calls, which all reach one worker, still use
every core; a worker runs more than one batch only while the machine has a core to spare
(``SlotBoard``). Sense vectors are memory-mapped read-only, so the workers share one copy in the
page cache.

The supervisor restarts a worker that dies, forwards SIGTERM / SIGINT (every worker drains:
health NOT_SERVING first) and SIGHUP (every worker reloads its index), and serves one
``/metrics`` that merges the workers' own, each sample labelled with its worker.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import tempfile
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import Any
from wsgiref.simple_server import WSGIServer

from .._core.config import ServerConfig
from .._core.errors import WsdError
from .._util.cpus import available_cpus
from .._util.logs import configure as configure_logging
from .slot_board import SlotBoard

log = logging.getLogger("wsd_service.supervisor")

_RESTART_BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0)  # seconds, after quick successive deaths
_QUICK_DEATH = 10.0  # a worker that dies sooner than this after starting counts as crashing
_PR_SET_PDEATHSIG = 1  # prctl(2)


def default_workers(cpus: int | None = None) -> int:
    """Workers for the CPUs this process may use (affinity and cgroup quota)."""
    return max(1, cpus or available_cpus())


@dataclass(frozen=True, slots=True)
class _Worker:
    number: int
    config: ServerConfig
    log_json: bool
    supervisor: int  # its pid
    batches: Any  # shared ints: each worker's running encoder batches (SlotBoard)
    cores: int
    calls: Any  # shared ints: each worker's calls in progress (CallBoard)
    sockets: tuple[str, ...]  # each worker's private socket, where peers hand it calls


def _die_with(supervisor: int) -> None:
    """SIGTERM this worker (it drains) when the supervisor dies, even of SIGKILL: an orphaned
    worker would keep the port. Linux's PR_SET_PDEATHSIG."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != supervisor:  # it died before the request was in place
        raise SystemExit(1)


def _run_worker(worker: _Worker, report: Connection) -> None:
    """A worker process: an ordinary server until SIGTERM. It reports None once serving, or why
    it could not start (the supervisor says so and exits)."""
    import asyncio

    from .handoff import Peers
    from .server import serve_forever

    _die_with(worker.supervisor)
    configure_logging(True, worker.log_json)
    log.info("worker %d (pid %d)", worker.number, os.getpid())
    try:
        board = SlotBoard(worker.batches, worker.number, worker.cores)
        peers = Peers(worker.number, worker.sockets, worker.calls) if len(worker.sockets) > 1 else None
        asyncio.run(
            serve_forever(worker.config, on_ready=lambda: report.send(None), board=board, peers=peers)
        )
    except Exception as error:
        if not isinstance(error, WsdError):
            log.exception("worker %d failed", worker.number)
        report.send(str(error))
        raise SystemExit(2) from None


class Supervisor:
    def __init__(self, config: ServerConfig, workers: int, log_json: bool = False) -> None:
        self.config = config
        self._context = multiprocessing.get_context("spawn")  # no forked gRPC or encoder state
        port = config.port or _free_port(config.host)
        http_port = None if config.http_port is None else config.http_port or _free_port(config.host)
        self._batches = self._context.Array("i", workers, lock=False)  # written by each worker
        self._calls = self._context.Array("i", workers, lock=False)  # written by each worker
        # Made by run(), private (mode 0700); mkdir refuses a name someone already took.
        self._sockets = Path(tempfile.gettempdir()) / f"wsd-workers-{secrets.token_hex(8)}"
        sockets = tuple(str(self._sockets / f"{number}.sock") for number in range(workers))
        self._workers = [
            _Worker(
                number,
                replace(
                    config,
                    port=port,
                    http_port=http_port,
                    metrics_port=None if config.metrics_port is None else _free_port("127.0.0.1"),
                ),
                log_json,
                os.getpid(),
                self._batches,
                available_cpus(),
                self._calls,
                sockets,
            )
            for number in range(workers)
        ]
        self._processes: dict[int, BaseProcess] = {}
        self._reports: dict[int, Connection] = {}
        self._started: dict[int, float] = {}
        self._quick_deaths: dict[int, int] = {}
        self._signals: list[int] = []
        self.restarts = 0

    @property
    def port(self) -> int:
        return self._workers[0].config.port

    def run(self) -> int:
        """Start the workers and look after them until SIGTERM or SIGINT; 0 once all have drained
        and exited cleanly, 1 if one had to be killed, 2 if one kept dying at start."""
        wakeup_read, wakeup_write = socket.socketpair()
        wakeup_write.setblocking(False)
        signal.set_wakeup_fd(wakeup_write.fileno())
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(number, self._on_signal)
        self._sockets.mkdir(mode=0o700)
        metrics = self._serve_metrics()
        try:
            for worker in self._workers:
                self._start(worker)
            if not self._await_ready(wakeup_read):
                return self._shut_down()
            log.info("%d workers serving %s:%d", len(self._workers), self.config.host, self.port)
            return self._watch(wakeup_read)
        finally:
            signal.set_wakeup_fd(-1)
            if metrics is not None:
                metrics.shutdown()
            shutil.rmtree(self._sockets, ignore_errors=True)

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        self._signals.append(number)

    def _serve_metrics(self) -> WSGIServer | None:
        if self.config.metrics_port is None:
            return None
        from .worker_metrics import serve_merged_metrics  # prometheus_client, only when asked

        ports = {w.number: w.config.metrics_port or 0 for w in self._workers}
        return serve_merged_metrics(self.config.metrics_port, self.config.host, ports, lambda: self.restarts)

    def _start(self, worker: _Worker) -> None:
        receive, send = self._context.Pipe(duplex=False)
        name = f"wsd-worker-{worker.number}"
        process = self._context.Process(target=_run_worker, args=(worker, send), name=name)
        process.start()
        send.close()
        self._processes[worker.number] = process
        self._reports[worker.number] = receive
        self._started[worker.number] = time.monotonic()

    def _await_ready(self, wakeup: socket.socket) -> bool:
        """Wait until every worker serves; a worker that cannot start stops them all with its
        reason (a bad index or TLS file fails the same way as a single server). False: a signal
        asked to stop first."""
        waiting = dict(self._reports)
        while waiting:
            ready = wait([*waiting.values(), wakeup])
            if wakeup in ready:
                wakeup.recv(4096)
                if self._signals:
                    return False
            for number, report in list(waiting.items()):
                if report in ready:
                    self._check_started(number, report)
                    del waiting[number]
        return True

    def _check_started(self, number: int, report: Connection) -> None:
        try:
            problem = report.recv()
        except EOFError:  # died before saying anything
            problem = f"worker {number} exited at start (exit code {self._processes[number].exitcode})"
        if problem is not None:
            self._shut_down()
            raise WsdError(problem)

    def _watch(self, wakeup: socket.socket) -> int:
        while True:
            sentinels = {p.sentinel: n for n, p in self._processes.items()}
            ready = wait([*sentinels, wakeup], timeout=5)
            if wakeup in ready:
                wakeup.recv(4096)
            while self._signals:
                number = self._signals.pop(0)
                if number == signal.SIGHUP:
                    log.info("SIGHUP: every worker reloads its index")
                    self._forward(signal.SIGHUP)
                else:
                    return self._shut_down()
            for sentinel in ready:
                if sentinel in sentinels and not self._replace(sentinels[sentinel]):
                    self._shut_down()
                    return 2

    def _replace(self, number: int) -> bool:
        """Restart a dead worker; one that keeps dying right after starting waits longer each
        time, and after ``len(_RESTART_BACKOFF)`` such deaths in a row the server gives up."""
        process = self._processes[number]
        process.join()
        quick = time.monotonic() - self._started[number] < _QUICK_DEATH
        deaths = self._quick_deaths[number] = self._quick_deaths.get(number, 0) + 1 if quick else 0
        if deaths > len(_RESTART_BACKOFF):
            log.error("worker %d keeps dying at start (exit code %s): stopping", number, process.exitcode)
            return False
        delay = _RESTART_BACKOFF[deaths - 1] if deaths else 0.0
        log.warning(
            "worker %d (pid %s) died with exit code %s; restarting it in %.1f s",
            number, process.pid, process.exitcode, delay,
        )  # fmt: skip
        time.sleep(delay)
        self._batches[number] = self._calls[number] = 0  # what it was running died with it
        self.restarts += 1
        self._start(self._workers[number])
        return True

    def _forward(self, number: int) -> None:
        for process in self._processes.values():
            if process.pid is not None and process.is_alive():
                os.kill(process.pid, number)

    def _shut_down(self) -> int:
        log.info("stopping: every worker drains (health NOT_SERVING first)")
        self._forward(signal.SIGTERM)
        deadline = time.monotonic() + self.config.drain_delay + self.config.grace_seconds + 15
        clean = True
        for process in self._processes.values():
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.warning("worker pid %s did not stop in time: killed", process.pid)
                process.kill()
                process.join()
            clean = clean and process.exitcode == 0
        return 0 if clean else 1


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
