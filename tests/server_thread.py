"""Runs a real WsdServer on a loopback port in a thread of its own, for synchronous tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from wsd_service import ServerConfig, WsdServer
from wsd_service._serving.handoff import Peers

T = TypeVar("T")


class ServerThread:
    def __init__(self, config: ServerConfig, peers: Peers | None = None) -> None:
        self.config = config
        self.peers = peers  # as one of a serve's workers
        self.server: WsdServer | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="wsd-server", daemon=True)

    @property
    def address(self) -> str:
        assert self.server is not None
        return f"127.0.0.1:{self.server.port}"

    def start(self, wait_ready: bool = True) -> ServerThread:
        self._thread.start()
        self.server = self.call(self._start)
        if wait_ready:
            self.call(self.server.wait_ready)
        return self

    async def _start(self) -> WsdServer:
        server = WsdServer(self.config, peers=self.peers)
        await server.start()
        return server

    def call(self, function: Callable[[], Awaitable[T]], timeout: float = 120) -> T:
        """Run a coroutine function on the server's loop and wait for its result."""

        async def run() -> T:
            return await function()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)

    def stop(self, grace: float = 1.0) -> None:
        if not self._thread.is_alive():  # stopped already
            return
        if self.server is not None:
            server = self.server
            self.call(lambda: server.stop(grace))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
