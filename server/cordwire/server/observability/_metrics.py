"""The Prometheus metrics of one server, on its own registry (many servers may share a process)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ._triton_stats import TritonStatsCollector

if TYPE_CHECKING:
    from cordwire.server.triton import TritonService

__all__ = ["LATENCY_BUCKETS", "Metrics"]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
"""Seconds; from a loopback unary call (~1 ms) to a long token stream."""


class Metrics:
    """Every metric family cordwire exports. Label children are cached by their users, not here."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "cordwire_requests",
            "Calls answered, by chute, cord, route and status (HTTP status for http, gRPC code for grpc).",
            ["chute", "cord", "route", "transport", "status"],
            registry=r,
        )
        self.gateway_seconds = Histogram(
            "cordwire_gateway_request_duration_seconds",
            "HTTP requests from arrival to the last byte sent, in the gateway.",
            ["chute", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.handler_seconds = Histogram(
            "cordwire_handler_duration_seconds",
            "Cord calls from admission to the last message, both transports.",
            ["chute", "cord", "transport"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.triton_seconds = Histogram(
            "cordwire_triton_request_duration_seconds",
            "Triton calls made by handlers (infer: one request; stream: until the final response).",
            ["chute", "model", "kind"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "cordwire_in_flight_requests",
            "Cord calls running now.",
            ["chute", "transport"],
            registry=r,
        )
        self.stream_messages = Counter(
            "cordwire_stream_messages",
            "Messages sent on server-streaming calls (SSE events over HTTP); rate() gives chunks/s.",
            ["chute", "cord", "transport"],
            registry=r,
        )
        self.rejections = Counter(
            "cordwire_rejections",
            "Calls refused by admission or limits: UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED.",
            ["chute", "code", "reason"],
            registry=r,
        )

    def watch_triton(self, chute_id: str, service: TritonService) -> None:
        """Export ``service``'s restarts, endpoint health and (embedded Triton) per-model
        statistics, read at scrape time."""
        self.registry.register(_TritonCollector(chute_id, service))
        self.registry.register(TritonStatsCollector(chute_id, service))


class _TritonCollector(Collector):
    # Read at scrape time: the supervisor and the pool already keep these numbers, so the
    # health loops need no hooks.
    def __init__(self, chute_id: str, service: TritonService) -> None:
        self._chute = chute_id
        self._service = service

    def describe(self) -> Iterator[Metric]:
        return iter(())  # unchecked: families are built per scrape

    def collect(self) -> Iterator[Metric]:
        restarts = CounterMetricFamily(
            "cordwire_triton_restarts", "Embedded Triton relaunches by the supervisor.", labels=["chute"]
        )
        supervisor = self._service.supervisor
        restarts.add_metric([self._chute], max(0, supervisor.launches - 1) if supervisor else 0)
        yield restarts
        healthy = GaugeMetricFamily(
            "cordwire_triton_endpoint_healthy",
            "1 when the Triton endpoint passed its last health check (every model READY).",
            labels=["chute", "address"],
        )
        for endpoint in self._service.endpoints:
            healthy.add_metric([self._chute, endpoint.address], 1.0 if endpoint.healthy else 0.0)
        yield healthy
