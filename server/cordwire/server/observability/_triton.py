"""The Triton client's observer: call latency, a client span, and trace context for Triton."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from cordwire.server.triton._client import Metadata, Parameters

from ._calls import status_code
from ._metrics import Metrics

if TYPE_CHECKING:
    from opentelemetry.trace import Span
    from prometheus_client.metrics import Histogram

    from ._tracing import Tracing

__all__ = ["TritonCalls"]


class TritonCalls:
    """A :data:`cordwire.server.triton.TritonObserver` for one chute's Triton client."""

    def __init__(self, metrics: Metrics, chute_id: str, tracing: Tracing | None = None) -> None:
        self._metrics = metrics
        self._chute = chute_id
        self._tracing = tracing
        self._children: dict[tuple[str, str], Histogram] = {}

    def __call__(self, model: str, kind: str, parameters: Parameters | None) -> _Call:
        child = self._children.get((model, kind))
        if child is None:
            child = self._metrics.triton_seconds.labels(self._chute, model, kind)
            self._children[model, kind] = child
        if self._tracing is None:
            return _Call(child, parameters, None, None, None)
        span = self._tracing.start_client(
            f"triton {kind} {model}", {"cordwire.triton.model": model, "cordwire.triton.kind": kind}
        )
        carrier = self._tracing.carrier(span)
        # Both ways: request parameters reach the model (Python backend: request.parameters()),
        # gRPC metadata is where Triton's own OpenTelemetry tracing looks for its parent.
        merged: dict[str, str | int | float | bool] = {**(parameters or {}), **carrier}
        return _Call(child, merged, tuple(carrier.items()), span, self._tracing)


class _Call:
    __slots__ = ("_histogram", "_span", "_started", "_tracing", "metadata", "parameters")

    def __init__(
        self,
        histogram: Histogram,
        parameters: Parameters | None,
        metadata: Metadata | None,
        span: Span | None,
        tracing: Tracing | None,
    ) -> None:
        self._histogram = histogram
        self.parameters = parameters
        self.metadata = metadata
        self._span = span
        self._tracing = tracing
        self._started = time.perf_counter()

    def end(self, error: BaseException | None) -> None:
        self._histogram.observe(time.perf_counter() - self._started)
        if self._span is not None and self._tracing is not None:
            code = status_code(error)
            self._tracing.end(self._span, None if error is None else error, code.name)
