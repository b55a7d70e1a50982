"""The gateway, observed: ``/metrics``, one access line and one count per HTTP request, the HTTP span.

A wrapper around :class:`Gateway` rather than code inside it: every outcome (404 before any
chute, 413, a client that hung up) passes through ``send``, so the status counted is the one
the client got. The wrapper is the ASGI entry: it reads the request (:func:`read_call`) and hands
it to :meth:`Gateway.handle`, which only tells it which route matched.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from cordwire._errors import CordError
from cordwire._http_call import HttpCall, HttpHeaders
from cordwire.server.observability import Observability, log_access

from ._app import Gateway
from ._asgi import Message, Receive, Scope, Send, send_error, send_response
from ._calls import read_call
from ._headers import call_metadata
from ._routes import Route

if TYPE_CHECKING:
    from prometheus_client.metrics import Counter, Histogram

__all__ = ["ObservedGateway"]
_CLIENT_CLOSED = 499  # nginx's "client closed request": the client hung up before an answer
_QUIET = frozenset({"/healthz", "/metrics"})  # probed every few seconds: counted, never logged


class ObservedGateway:
    """An ASGI app: ``gateway`` plus metrics, access log and tracing from ``observability``."""

    def __init__(
        self,
        gateway: Gateway,
        observability: Observability,
        *,
        metrics_path: str = "/metrics",
        metrics_check: Callable[[Mapping[str, str]], None] | None = None,
    ):
        self.gateway = gateway
        self.observability = observability
        self.metrics_path = metrics_path
        self.metrics_check = metrics_check
        """Given the request's metadata, raises CordError to refuse ``/metrics``; None: public."""
        self._metrics = observability.metrics
        # Label children by (chute, route label, status); a handful of keys per route.
        self._counters: dict[tuple[str, str, str, int], Counter] = {}
        self._histograms: dict[tuple[str, str], Histogram] = {}
        # Fixed pages are few: each gets its own label; any other unmatched path stays "".
        self._fixed = frozenset(gateway.pages.by_path) | {metrics_path}

    @property
    def endpoints(self) -> Any:
        return self.gateway.endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.gateway(scope, receive, send)
            return
        call = read_call(scope)
        path = call.path
        if path == self.metrics_path and call.method in ("GET", "HEAD"):
            if self.metrics_check is not None:
                try:
                    # The headers read as a cord call reads them, so the key is found the same way.
                    self.metrics_check(call_metadata(call.headers.raw)[0])
                except CordError as error:
                    await send_error(send, error)
                    self._count("", "", "", path, error.http_status, 0.0)
                    return
            body, content_type = self.observability.exposition()
            await send_response(send, 200, body, content_type.encode("latin-1"))
            self._count("", "", "", path, 200, 0.0)
            return
        started = time.perf_counter()
        tracing = self.observability.tracing
        span = None
        answer: list[Any] = [_CLIENT_CLOSED, ""]  # status and x-request-id, as sent

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer[0] = message["status"]
                for name, value in message["headers"]:
                    if name == b"x-request-id":
                        answer[1] = value.decode("latin-1")
            await send(message)

        token = None
        if tracing is not None:
            span = tracing.start_server(
                f"HTTP {call.method}",
                _trace_headers(call.headers),
                {"http.request.method": call.method, "url.path": path},
            )
            token = tracing.activate(span)
            call = _with_trace_headers(call, tracing.carrier(span))
        matched: list[tuple[str, Route]] = []
        try:
            await self.gateway.handle(call, receive, observed_send, matched.append)
        finally:
            elapsed = time.perf_counter() - started
            status: int = answer[0]
            chute, cord, label = _labels(matched[-1] if matched else None)
            if span is not None and tracing is not None and token is not None:
                tracing.deactivate(token)
                if label:
                    span.update_name(label)
                    span.set_attribute("http.route", label.partition(" ")[2])
                span.set_attribute("http.response.status_code", status)
                tracing.end(span, RuntimeError() if status >= 500 else None, str(status))
            self._count(chute, cord, label, path, status, elapsed)
            if path not in _QUIET:
                log_access(
                    request_id=answer[1],
                    transport="http",
                    chute=chute,
                    cord=cord,
                    route=label,
                    status=str(status),
                    duration_s=elapsed,
                    path=path,
                )

    def _count(self, chute: str, cord: str, label: str, path: str, status: int, elapsed: float) -> None:
        if not label and path in self._fixed:
            label = path
        key = (chute, cord, label, status)
        counter = self._counters.get(key)
        if counter is None:
            counter = self._metrics.requests.labels(chute, cord, label, "http", str(status))
            self._counters[key] = counter
        counter.inc()
        histogram = self._histograms.get((chute, label))
        if histogram is None:
            histogram = self._metrics.gateway_seconds.labels(chute, label)
            self._histograms[chute, label] = histogram
        histogram.observe(elapsed)


def _labels(matched: tuple[str, Route] | None) -> tuple[str, str, str]:
    if matched is None:
        return "", "", ""
    chute, route = matched
    return chute, route.method.name, f"{route.http_method} {route.template.source}"


def _trace_headers(headers: HttpHeaders) -> dict[str, str]:
    out = {}
    for name, value in headers.raw:
        if name in (b"traceparent", b"tracestate"):
            out[name.decode("latin-1")] = value.decode("latin-1")
    return out


def _with_trace_headers(call: HttpCall, carrier: dict[str, str]) -> HttpCall:
    # The cord span's parent is read from the call's metadata (the same rule for gRPC calls), so
    # the gateway's span goes there in place of the client's, in-process and to a remote upstream.
    kept = [(k, v) for k, v in call.headers.raw if k not in (b"traceparent", b"tracestate")]
    kept.extend((k.encode("latin-1"), v.encode("latin-1")) for k, v in carrier.items())
    return dataclasses.replace(call, headers=HttpHeaders(tuple(kept)))
