"""One ``/metrics`` for every worker: the supervisor scrapes each worker's own endpoint (on
loopback) when it is scraped, and labels every sample with its worker.

prometheus_client's multiprocess mode was the other way; it does not support the gauges whose
value is read at scrape time (queue depth, dropped work) that each server exports.
"""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

log = logging.getLogger("wsd_service.supervisor")
_SCRAPE_TIMEOUT = 2.0


class _Workers(Collector):
    def __init__(self, ports: Mapping[int, int], restarts: Callable[[], int]) -> None:
        self._ports = ports
        self._restarts = restarts

    def collect(self) -> Iterator[Metric]:
        merged: dict[str, Metric] = {}
        for number, port in self._ports.items():
            for family in _scrape(port):
                target = merged.setdefault(
                    family.name, Metric(family.name, family.documentation, family.type)
                )
                for sample in family.samples:
                    labels = {**sample.labels, "worker": str(number)}
                    target.samples.append(sample._replace(labels=labels))
        yield from merged.values()
        restarts = CounterMetricFamily("wsd_worker_restarts", "workers restarted after dying")
        restarts.add_metric([], self._restarts())
        yield restarts


def _scrape(port: int) -> list[Metric]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=_SCRAPE_TIMEOUT) as page:
            return list(text_string_to_metric_families(page.read().decode()))
    except OSError as error:  # a worker restarting or still loading: its samples are absent
        log.debug("worker metrics on port %d: %s", port, error)
        return []


def serve_merged_metrics(
    port: int, host: str, workers: Mapping[int, int], restarts: Callable[[], int]
) -> WSGIServer:
    """Serve the merged ``/metrics``; returns the HTTP server (``shutdown()`` stops it)."""
    registry = CollectorRegistry()
    registry.register(_Workers(workers, restarts))
    server, _ = start_http_server(port, host, registry=registry)
    return server
