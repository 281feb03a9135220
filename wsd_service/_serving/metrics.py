"""Prometheus metrics of one server (its own registry, so several servers can share a process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class ServerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "wsd_requests",
            "calls handled, by transport (grpc, http, handoff: from another worker), method and status code",
            ["transport", "method", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "wsd_request_latency_seconds",
            "call latency, by transport and method",
            ["transport", "method"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "wsd_encoder_batch_sentences",
            "sentences per encoder batch",
            buckets=_BATCH_BUCKETS,
            registry=self.registry,
        )
        self.reloads = Counter(
            "wsd_index_reloads", "index reloads (SIGHUP), by outcome", ["outcome"], registry=self.registry
        )
        self.skipped = Gauge(
            "wsd_skipped_requests",
            "work dropped or refused before encoding since the index was loaded, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "wsd_queue_sentences", "sentences waiting for the encoder", registry=self.registry
        )

    def record(self, transport: str, method: str, code: str, seconds: float) -> None:
        """One call's outcome; both transports count and time their calls here."""
        self.requests.labels(transport, method, code).inc()
        self.latency.labels(transport, method).observe(seconds)

    def count_unauthenticated(self, transport: str, method: str) -> None:
        self.requests.labels(transport, method, "UNAUTHENTICATED").inc()

    def serve(self, port: int, host: str = "127.0.0.1") -> int:
        """Expose /metrics over HTTP; returns the bound port (0 picks a free one)."""
        server, _ = start_http_server(port, addr=host, registry=self.registry)
        return int(server.server_port)
