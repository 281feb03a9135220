"""``wsd-service serve`` in a subprocess, for tests of signals and process lifecycle."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_serving(
    index: Path, timeout: float = 120, extra: Sequence[str] = ("--workers", "1")
) -> tuple[subprocess.Popen[str], str]:
    """Start the server and wait until health says SERVING; the caller stops the process.

    One worker unless ``extra`` says otherwise: these tests watch one server process.
    """
    address = f"127.0.0.1:{free_port()}"
    command = [
        sys.executable,
        "-m",
        "wsd_service",
        "serve",
        "--index",
        str(index),
        "--port",
        address.split(":")[1],
        *extra,
    ]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + timeout
    with grpc.insecure_channel(address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        while True:
            try:
                if (
                    health.Check(health_pb2.HealthCheckRequest(), timeout=5).status
                    == health_pb2.HealthCheckResponse.SERVING
                ):
                    return process, address
            except grpc.RpcError:
                pass
            if time.time() > deadline or process.poll() is not None:
                process.kill()
                raise AssertionError(f"the server did not start: {process.communicate()[1][-2000:]}")
            time.sleep(0.1)
