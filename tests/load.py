"""Steady load from client threads, and a server's /metrics, for tests of servers under load."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Callable
from types import TracebackType


class CallLoop:
    """``threads`` threads calling ``call`` until the block ends; every failure is kept."""

    def __init__(self, call: Callable[[], object], threads: int) -> None:
        self._call = call
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run) for _ in range(threads)]
        self.answered = 0
        self.failures: list[BaseException] = []

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._call()
                self.answered += 1
            except Exception as error:  # any failed call fails the test
                self.failures.append(error)

    def __enter__(self) -> CallLoop:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)


def metrics_text(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as page:
        return str(page.read().decode())
