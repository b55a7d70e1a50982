"""The Invoker's observer: metrics, the gRPC access line and the cord span of every call.

HTTP calls are counted and logged by the gateway (it alone knows the HTTP status it sent, 404s
and 413s included); here they get the handler-side series only. gRPC calls end here, so they
are counted and logged here too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cordwire._codes import Code
from cordwire._context import CordContext
from cordwire._cords import Cord
from cordwire._errors import CordError

from ._access import log_access
from ._metrics import Metrics

if TYPE_CHECKING:
    from opentelemetry.trace import Span
    from prometheus_client.metrics import Counter

    from ._tracing import Tracing

__all__ = ["CallMetrics", "status_code"]

_REFUSALS = frozenset({Code.UNAUTHENTICATED, Code.PERMISSION_DENIED, Code.RESOURCE_EXHAUSTED})


def status_code(error: BaseException | None) -> Code:
    """The status a call ended with, as the client sees it."""
    if error is None:
        return Code.OK
    if isinstance(error, CordError):
        return error.code
    if isinstance(error, asyncio.CancelledError | GeneratorExit):
        return Code.CANCELLED
    return Code.INTERNAL


class _Series:
    """The label children of one cord on one transport, made once at start-up."""

    __slots__ = ("chute", "cord", "handler", "in_flight", "messages", "requests", "route", "transport")

    def __init__(self, metrics: Metrics, chute: str, cord: Cord, transport: str) -> None:
        self.chute = chute
        self.cord = cord.name
        self.route = cord.full_path
        self.transport = transport
        self.handler = metrics.handler_seconds.labels(chute, cord.name, transport)
        self.in_flight = metrics.in_flight.labels(chute, transport)
        self.messages = metrics.stream_messages.labels(chute, cord.name, transport)
        self.requests: dict[Code, Counter] = {}
        """Children by status, made on first use (exporting 17 zero series per cord is noise)."""


class CallMetrics:
    """A :class:`cordwire.server.CallObserver` for one chute's cords."""

    def __init__(
        self, metrics: Metrics, chute_id: str, cords: Mapping[str, Cord], tracing: Tracing | None = None
    ) -> None:
        self._metrics = metrics
        self._chute = chute_id
        self._tracing = tracing
        self._series = {
            (name, transport): _Series(metrics, chute_id, cord, transport)
            for name, cord in cords.items()
            for transport in ("grpc", "http")
        }

    def begin(self, cord: Cord, ctx: CordContext, request: Any = None) -> _Record:
        series = self._series[cord.name, ctx.transport]
        series.in_flight.inc()
        span = None
        if self._tracing is not None:
            span = self._tracing.start_server(
                f"cord {cord.full_path}",
                ctx.metadata,
                {"rpc.system": "grpc", "rpc.method": cord.name, "cordwire.chute": self._chute},
            )
        return _Record(self, series, ctx, span)


class _Record:
    __slots__ = ("_ctx", "_owner", "_series", "_span", "_started")

    def __init__(self, owner: CallMetrics, series: _Series, ctx: CordContext, span: Span | None) -> None:
        self._owner = owner
        self._series = series
        self._ctx = ctx
        self._span = span
        self._started = time.perf_counter()

    def activate(self) -> object:
        tracing = self._owner._tracing
        return None if tracing is None or self._span is None else tracing.activate(self._span)

    def deactivate(self, token: object) -> None:
        tracing = self._owner._tracing
        if tracing is not None and token is not None:
            tracing.deactivate(token)

    def message(self, message: object = None) -> None:
        self._series.messages.inc()

    def end(self, error: BaseException | None, response: object = None) -> None:
        elapsed = time.perf_counter() - self._started
        series = self._series
        series.in_flight.dec()
        series.handler.observe(elapsed)
        code = status_code(error)
        if code in _REFUSALS and isinstance(error, CordError):
            reason = error.reason or code.name.lower()
            self._owner._metrics.rejections.labels(series.chute, code.name, reason).inc()
        if self._span is not None and self._owner._tracing is not None:
            self._span.set_attribute("rpc.grpc.status_code", code.value)
            self._owner._tracing.end(self._span, None if code is Code.OK else error, code.name)
        if series.transport == "grpc":
            child = series.requests.get(code)
            if child is None:
                child = self._owner._metrics.requests.labels(
                    series.chute, series.cord, series.route, "grpc", code.name
                )
                series.requests[code] = child
            child.inc()
            log_access(
                request_id=self._ctx.request_id,
                transport="grpc",
                chute=series.chute,
                cord=series.cord,
                route=series.route,
                status=code.name,
                duration_s=elapsed,
            )
