"""Server lifecycle: bind, report NOT_SERVING while loading, SERVING when ready, drain on stop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
from collections.abc import Callable
from dataclasses import replace

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from .._core.config import LimitsConfig, ServerConfig
from .._core.environment import DEFAULT_INDEX_DIR
from .._core.manifest import resolve_index_dir
from .._proto.wsd.v1 import wsd_service_pb2 as pb
from .._proto.wsd.v1 import wsd_service_pb2_grpc as pb_grpc
from .auth import TokenAuthInterceptor, server_credentials
from .calls import WsdCalls
from .data_plane import DataPlane, DataPlaneConfig
from .first_start import ensure_default_index
from .handoff import Handoff, Peers
from .http_app import HttpApp
from .http_server import HttpServer
from .interceptor import ErrorInterceptor
from .metrics import ServerMetrics
from .reflection import enable_reflection
from .servicer import WsdServicer
from .slot_board import SlotBoard

log = logging.getLogger("wsd_service.server")

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["WsdService"].full_name


# wsd_skipped_requests reasons, and the batcher counters behind them
_DROPPED = {
    "cancelled": "skipped_cancelled",
    "expired": "skipped_expired",
    "deadline_unmeetable": "refused_deadline",
    "standing_queue": "refused_standing",
}


class WsdServer:
    """One server (gRPC, and HTTP/JSON when asked) over one data plane; usable from tests and
    from ``wsd-service serve``."""

    def __init__(
        self, config: ServerConfig, board: SlotBoard | None = None, peers: Peers | None = None
    ) -> None:
        self.config = config
        self.metrics = ServerMetrics()
        self.index_dir = config.index or DEFAULT_INDEX_DIR
        calls = peers.board() if peers is not None else None
        self.data_plane = DataPlane(
            DataPlaneConfig(self.index_dir, config.encoder, self._limits(config), config.batcher),
            on_batch=self.metrics.batch_size.observe,
            board=board,
            calls=calls,
        )
        self._peers = peers
        self._handoff = Handoff(calls, peers.sockets, config.max_message_bytes) if peers and calls else None
        self.calls = WsdCalls(self.data_plane)
        self.health = health.aio.HealthServicer()
        self.port = 0
        self.metrics_port: int | None = None
        self.http_port: int | None = None
        self._server: grpc.aio.Server | None = None
        self._http: HttpServer | None = None
        self._draining = False
        self._loading: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self.load_error: BaseException | None = None

    async def start(self) -> int:
        """Bind and start answering (UNAVAILABLE, health NOT_SERVING) while the data plane loads."""
        size = self.config.max_message_bytes
        interceptors: list[grpc.aio.ServerInterceptor] = [ErrorInterceptor(self.metrics)]
        if self.config.tokens:
            rejected = functools.partial(self.metrics.count_unauthenticated, "grpc")
            interceptors.insert(0, TokenAuthInterceptor(self.config.tokens, rejected))
        options = [
            ("grpc.max_receive_message_length", size),
            ("grpc.max_send_message_length", size),
            ("grpc.max_connection_age_ms", int(self.config.max_connection_age * 1000)),
            ("grpc.max_connection_age_grace_ms", int(self.config.max_connection_age_grace * 1000)),
        ]
        server = grpc.aio.server(interceptors=interceptors, options=options)
        pb_grpc.add_WsdServiceServicer_to_server(WsdServicer(self.calls, self._handoff), server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, server)
        enable_reflection((SERVICE_NAME, health.SERVICE_NAME), server)
        address = f"{self.config.host}:{self.config.port}"
        if self.config.tls is None:
            self.port = server.add_insecure_port(address)
        else:
            self.port = server.add_secure_port(address, server_credentials(self.config.tls))
        if self._peers is not None:  # where the other workers hand calls over
            server.add_insecure_port(f"unix:{self._peers.socket}")
        await self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        await server.start()
        self._server = server
        if self.config.http_port is not None:
            self.http_port = await self._start_http(self.config.http_port)
        if self.config.metrics_port is not None:
            self.metrics_port = self.metrics.serve(self.config.metrics_port, self.config.host)
            self.metrics.queue_depth.set_function(self._queue_depth)
            for reason, counter in _DROPPED.items():
                self.metrics.skipped.labels(reason).set_function(functools.partial(self._skipped, counter))
        http = f", HTTP on port {self.http_port}" if self.http_port is not None else ""
        log.info("listening on %s:%d%s; loading index %s", self.config.host, self.port, http, self.index_dir)
        self._loading = asyncio.get_running_loop().create_task(self._load())
        return self.port

    async def _start_http(self, port: int) -> int:
        config = self.config
        app = HttpApp(self.calls, self.metrics, self.serving, config.tokens, config.max_message_bytes)
        self._http = HttpServer(app.build())
        return await self._http.start(config.host, port, config.tls)

    def serving(self) -> bool:
        """Ready for calls: the index is loaded and the server is not draining."""
        return self.data_plane.ready and not self._draining

    async def begin_drain(self) -> None:
        """Readiness fails on both transports; calls are still served until ``stop``."""
        self._draining = True
        await self.health.enter_graceful_shutdown()

    async def wait_ready(self) -> None:
        await self._ready.wait()
        if self.load_error is not None:
            raise self.load_error

    async def _load(self) -> None:
        try:
            if self.config.index is None:
                await ensure_default_index(self.index_dir, self.config.encoder)
            await self.data_plane.load()
            await self._set_health(health_pb2.HealthCheckResponse.SERVING)
            log.info("serving index %s", resolve_index_dir(self.index_dir))
        except Exception as error:  # the server stays up, NOT_SERVING, and says why
            self.load_error = error
            log.error("could not load the index: %s", error)
        finally:
            self._ready.set()

    async def reload(self) -> bool:
        """Swap in the index's current version (SIGHUP); on failure the old one keeps serving.

        If no index was loaded yet (the first load failed), this is that load, retried.
        """
        try:
            if self.data_plane.ready:
                manifest = await self.data_plane.reload()
                log.info("reloaded index %s (%d senses)", self.index_dir, manifest.senses.get("total", 0))
            else:
                await self.data_plane.load()
                await self._set_health(health_pb2.HealthCheckResponse.SERVING)
                self.load_error = None
                log.info("loaded index %s on reload", self.index_dir)
        except Exception as error:
            self.metrics.reloads.labels("failed").inc()
            log.error("reload of %s failed; still serving the previous index: %s", self.index_dir, error)
            return False
        self.metrics.reloads.labels("ok").inc()
        return True

    async def stop(self, grace: float | None = None) -> None:
        """Health goes NOT_SERVING first, then new calls are refused and in-flight ones drain."""
        await self.begin_drain()
        if self._loading is not None:
            self._loading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loading
        grace = self.config.grace_seconds if grace is None else grace
        closing = []
        if self._server is not None:
            closing.append(self._server.stop(grace))
        if self._http is not None:
            closing.append(self._http.stop(grace))
        await asyncio.gather(*closing)
        if self._handoff is not None:
            await self._handoff.close()
        await self.data_plane.close()
        log.info("stopped")

    async def wait_for_termination(self) -> None:
        if self._server is not None:
            await self._server.wait_for_termination()

    async def _set_health(self, status: health_pb2.HealthCheckResponse.ServingStatus) -> None:
        for name in ("", SERVICE_NAME):
            await self.health.set(name, status)

    @staticmethod
    def _limits(config: ServerConfig) -> LimitsConfig:
        """The call limits, with answers bounded by what gRPC will send."""
        return replace(config.limits, max_answer_bytes=config.max_message_bytes)

    def _skipped(self, counter: str) -> float:
        batcher = self.data_plane.batcher
        return float(getattr(batcher.stats, counter)) if batcher else 0.0

    def _queue_depth(self) -> float:
        batcher = self.data_plane.batcher
        return float(batcher.queue_depth) if batcher else 0.0


async def serve_forever(
    config: ServerConfig,
    on_ready: Callable[[], None] | None = None,
    board: SlotBoard | None = None,
    peers: Peers | None = None,
) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully; ``on_ready`` once SERVING;
    ``board``: the other workers' encoder batches, when workers share the cores; ``peers``: the
    other workers, to hand calls to."""
    server = WsdServer(config, board, peers)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    reloads: set[asyncio.Task[bool]] = set()  # kept referenced until done

    def reload() -> None:
        task = loop.create_task(server.reload())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, reload)
    ready = asyncio.ensure_future(server.wait_ready())
    signalled = asyncio.ensure_future(stop.wait())
    await asyncio.wait([ready, signalled], return_when=asyncio.FIRST_COMPLETED)
    if ready.done() and ready.exception() is not None:
        await server.stop(0)
        raise ready.exception()  # type: ignore[misc]  # the CLI reports it and exits 2
    if ready.done() and on_ready is not None:
        on_ready()
    await signalled
    log.info(
        "signal received: NOT_SERVING, draining for up to %.0f s", config.drain_delay + config.grace_seconds
    )
    await server.begin_drain()
    await asyncio.sleep(config.drain_delay)
    await server.stop()
