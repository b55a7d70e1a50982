"""The route table of a service: its google.api.http rules, checked and compiled once.

A method without an http rule gets grpc-gateway's unbound-method binding,
``POST /<package>.<Service>/<Method>`` with ``body: "*"``. Two methods may share one verb and
template only as a stream_selector pair (cordwire.v1.CordOptions): the unary method answers by
default, its server-streaming twin when the named bool request field is true.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from google.api import annotations_pb2, http_pb2
from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message

from cordwire._protos import cord_options

from ._binding import BindingPlan, compile_binding
from ._responses import ResponsePlan, compile_response
from ._templates import RouteError, Template, check_fields, parse_template

__all__ = ["Route", "RouteTable", "compile_routes"]

_VERBS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """One HTTP binding of one method."""

    method: MethodDescriptor
    """The RPC this route calls."""
    http_method: str
    """Upper-case HTTP method; ``*`` (a custom rule's wildcard kind) matches any."""
    template: Template
    """The compiled path template."""
    body: str
    """``""``, ``"*"`` or the request field the body fills."""
    response_body: str
    """The response field sent as the body, or ``""`` for the whole message."""
    client_streaming: bool
    """The RPC takes a stream of requests."""
    server_streaming: bool
    """The RPC answers with a stream (sent as server-sent events)."""
    binding: BindingPlan
    """How to build the request (field lookups done at start-up)."""
    response: ResponsePlan
    """How to shape the response."""
    generated: bool = False
    """The default ``POST /pkg.Service/Method`` route of a method without an http rule."""
    stream_selector: str = ""
    """On a route with a ``twin``: the bool request field that, when true, selects the twin."""
    twin: Route | None = None
    """The server-streaming method that shares this route, chosen by ``stream_selector``."""
    http_status: int = 200
    """Status of a successful unary answer (``CordOptions.http_status``; 202 for CreateJob)."""

    def select(self, request: Message) -> Route:
        """This route, or its streaming twin when the request's selector field is true."""
        if self.twin is not None and getattr(request, self.stream_selector):
            return self.twin
        return self

    def __repr__(self) -> str:
        return f"Route({self.http_method} {self.template.source} -> {self.method.full_name})"


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteTable:
    """Every route of a service; a twin pair is one route here, its streaming half in ``twin``."""

    service: ServiceDescriptor
    """The service the routes call."""
    routes: tuple[Route, ...]
    """In declaration order."""


def compile_routes(service: ServiceDescriptor) -> RouteTable:
    """Compile the service's http rules; :class:`RouteError` for any rule cordwire cannot serve."""
    table: dict[tuple[str, str], Route] = {}
    for method in service.methods:
        _check_selector(method)
        for route in _method_routes(service, method):
            key = (route.http_method, route.template.shape)
            other = table.get(key)
            table[key] = route if other is None else _pair(other, route)
    return RouteTable(service=service, routes=tuple(table.values()))


def _http_rule(method: MethodDescriptor) -> http_pb2.HttpRule | None:
    opts = method.GetOptions()
    return opts.Extensions[annotations_pb2.http] if opts.HasExtension(annotations_pb2.http) else None


def _method_routes(service: ServiceDescriptor, method: MethodDescriptor) -> Iterator[Route]:
    rule = _http_rule(method) or _twin_rule(service, method)
    if rule is None:
        path = f"/{service.full_name}/{method.name}"
        yield _route(method, http_pb2.HttpRule(post=path, body="*"), generated=True)
        return
    yield _route(method, rule)
    for extra in rule.additional_bindings:
        if extra.additional_bindings:
            raise RouteError(f"{method.full_name}: additional_bindings may not nest")
        yield _route(method, extra)


def _twin_rule(service: ServiceDescriptor, method: MethodDescriptor) -> http_pb2.HttpRule | None:
    # A streaming method with a stream_selector and no rule of its own shares its unary twin's.
    if not cord_options(method).stream_selector:
        return None
    twins = [
        m
        for m in service.methods
        if m is not method and m.input_type is method.input_type and not m.server_streaming and _http_rule(m)
    ]
    if len(twins) != 1:
        raise RouteError(
            f"{method.full_name}: has a stream_selector and no http rule, so it needs exactly one unary "
            f"method with an http rule and the same request type; found {len(twins)}"
        )
    return _http_rule(twins[0])


def _route(method: MethodDescriptor, rule: http_pb2.HttpRule, *, generated: bool = False) -> Route:
    verb, path = _pattern(method, rule)
    template = parse_template(path)
    check_fields(template, method.input_type)
    if verb == "GET" and rule.body:
        raise RouteError(f"{method.full_name}: a GET rule cannot have a body ({rule.body!r})")
    return Route(
        method=method,
        http_method=verb,
        template=template,
        body=rule.body,
        response_body=rule.response_body,
        client_streaming=method.client_streaming,
        server_streaming=method.server_streaming,
        binding=compile_binding(method, template, rule.body),
        response=compile_response(method, rule.response_body),
        generated=generated,
        http_status=cord_options(method).http_status or 200,
    )


def _pattern(method: MethodDescriptor, rule: http_pb2.HttpRule) -> tuple[str, str]:
    which = rule.WhichOneof("pattern")
    if which is None:
        raise RouteError(f"{method.full_name}: http rule has no get/put/post/delete/patch/custom")
    if which == "custom":
        if not rule.custom.kind:
            raise RouteError(f"{method.full_name}: custom http rule has no kind")
        return rule.custom.kind.upper(), rule.custom.path
    assert which in _VERBS
    return which.upper(), str(getattr(rule, which))


def _check_selector(method: MethodDescriptor) -> None:
    selector = cord_options(method).stream_selector
    if not selector:
        return
    if not method.server_streaming or method.client_streaming:
        raise RouteError(f"{method.full_name}: stream_selector is only for server-streaming methods")
    field = method.input_type.fields_by_name.get(selector)
    if field is None or field.type != FieldDescriptor.TYPE_BOOL or field.is_repeated:
        raise RouteError(
            f"{method.full_name}: stream_selector {selector!r} is not a bool field of "
            f"{method.input_type.full_name}"
        )


def _pair(first: Route, second: Route) -> Route:
    streaming, unary = (first, second) if cord_options(first.method).stream_selector else (second, first)
    selector = cord_options(streaming.method).stream_selector
    clash = f"{first.http_method} {first.template.source} is bound to both {first.method.full_name} and "
    clash += second.method.full_name
    if not selector or first.twin or second.twin or unary.server_streaming:
        raise RouteError(f"route conflict: {clash}")
    if unary.method.input_type is not streaming.method.input_type:
        raise RouteError(f"stream_selector twins need one request type: {clash}")
    if (unary.template.source, unary.body) != (streaming.template.source, streaming.body):
        raise RouteError(f"stream_selector twins need the same template and body: {clash}")
    return dataclasses.replace(unary, stream_selector=selector, twin=streaming)
