"""OpenTelemetry spans for HTTP request → cord → Triton call, W3C trace context in and out.

Off unless a :class:`Tracing` is given: OpenTelemetry is imported only when one is built, so a
cordwire without tracing configured never loads it. The provider is this server's own (never the
global one), as the metrics registry is: tests run many servers, each with its own exporter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span

__all__ = ["Tracing"]


class Tracing:
    """Starts spans on ``provider``'s tracer and moves trace context across the wire."""

    def __init__(self, provider: TracerProvider) -> None:
        from opentelemetry import context, trace
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        self.provider = provider
        self._tracer = provider.get_tracer("cordwire")
        self._propagator = TraceContextTextMapPropagator()
        self._context = context
        self._trace = trace
        self._server = trace.SpanKind.SERVER
        self._client = trace.SpanKind.CLIENT

    @classmethod
    def otlp(cls, endpoint: str, service_name: str = "cordwire") -> Tracing:
        """Export spans in batches over OTLP/HTTP to ``endpoint`` (e.g. ``http://collector:4318``)."""
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        url = endpoint.rstrip("/")
        if not url.endswith("/v1/traces"):
            url += "/v1/traces"  # the collector's OTLP/HTTP path, as OTEL_EXPORTER_OTLP_ENDPOINT implies
        provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
        return cls(provider)

    def start_server(self, name: str, carrier: Mapping[str, str], attributes: dict[str, Any]) -> Span:
        """A span whose parent is the caller's, from ``traceparent``/``tracestate`` in ``carrier``."""
        parent = self._propagator.extract(carrier) if "traceparent" in carrier else None
        return self._tracer.start_span(name, parent, kind=self._server, attributes=attributes)

    def start_client(self, name: str, attributes: dict[str, Any]) -> Span:
        """A span under whatever span is current (the cord's, inside a handler)."""
        return self._tracer.start_span(name, kind=self._client, attributes=attributes)

    def activate(self, span: Span) -> object:
        """Make ``span`` current in this task; pass the token to :meth:`deactivate`."""
        return self._context.attach(self._trace.set_span_in_context(span))

    def deactivate(self, token: object) -> None:
        self._context.detach(token)  # type: ignore[arg-type]

    def carrier(self, span: Span) -> dict[str, str]:
        """``traceparent`` (and ``tracestate``) naming ``span`` as the parent of the next hop."""
        out: dict[str, str] = {}
        self._propagator.inject(out, self._trace.set_span_in_context(span))
        return out

    def end(self, span: Span, error: BaseException | None, status: str = "") -> None:
        """End ``span``; an error (any status but OK) marks it failed, with ``status`` as description."""
        if error is not None:
            span.set_status(self._trace.Status(self._trace.StatusCode.ERROR, status or type(error).__name__))
        span.end()

    def shutdown(self) -> None:
        """Flush and stop the exporter (at server stop)."""
        self.provider.shutdown()
