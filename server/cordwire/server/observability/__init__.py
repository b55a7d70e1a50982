"""Operability for one server: Prometheus metrics, the access log, OpenTelemetry tracing.

One :class:`Observability` per server process (or per test server): it owns the metrics
registry and, when tracing is on, the tracer provider, and hands the Invoker, the Triton client
and the gateway their observers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from cordwire._cords import Cord

from ._access import ACCESS_LOG, log_access
from ._calls import CallMetrics, status_code
from ._metrics import LATENCY_BUCKETS, Metrics
from ._tracing import Tracing
from ._triton import TritonCalls

if TYPE_CHECKING:
    from cordwire.server.triton import TritonService

__all__ = [
    "ACCESS_LOG",
    "LATENCY_BUCKETS",
    "CallMetrics",
    "Metrics",
    "Observability",
    "Tracing",
    "TritonCalls",
    "log_access",
    "status_code",
]


@dataclasses.dataclass(kw_only=True, slots=True)
class Observability:
    """What a server reports and where: metrics always, tracing when a :class:`Tracing` is given."""

    metrics: Metrics = dataclasses.field(default_factory=Metrics)
    """This server's metric families on its own registry."""
    tracing: Tracing | None = None
    """Spans for HTTP request → cord → Triton; None (the default): no tracing, no OpenTelemetry."""

    def call_observer(self, chute_id: str, cords: Mapping[str, Cord]) -> CallMetrics:
        return CallMetrics(self.metrics, chute_id, cords, self.tracing)

    def watch_triton(self, chute_id: str, service: TritonService) -> None:
        """Time ``service``'s client calls, trace them, and export its restarts and health."""
        service.client.observer = TritonCalls(self.metrics, chute_id, self.tracing)
        self.metrics.watch_triton(chute_id, service)

    def exposition(self) -> tuple[bytes, str]:
        """The ``/metrics`` body and its content type (Prometheus text format 0.0.4)."""
        return generate_latest(self.metrics.registry), CONTENT_TYPE_LATEST
