"""Route table compilation: rules read from the descriptors, start-up errors for bad ones."""

from __future__ import annotations

import dataclasses

import pytest
from google.protobuf.descriptor import FileDescriptor

from cordwire.gateway._routes import Route, RouteTable, compile_routes
from cordwire.gateway._templates import RouteError

from .conftest import PACKAGE

# (service in invalid.proto, why it must not compile, text the error must carry)
INVALID = [
    ("BadBody", "body names a field the request lacks", "body 'nope' is not a field"),
    ("BadResponseBody", "response_body names a field the response lacks", "response_body 'nope'"),
    ("GetWithBody", "GET carries no body", "GET rule cannot have a body"),
    ("UnknownVariable", "path variable names no field", "has no field 'nope'"),
    ("RepeatedVariable", "path variables must not be repeated", "repeated or map"),
    ("MapVariable", "path variables must not be maps", "repeated or map"),
    ("MessageVariable", "path variables must be primitive", "names a message field"),
    ("ScalarInPath", "a dotted path must walk through messages", "is not a message"),
    ("BadTemplate", "the template's own errors surface at start-up", "must start with '/'"),
    ("Conflict", "two methods on one verb and template shape", "route conflict"),
    ("NestedAdditional", "additional_bindings nest one level only", "may not nest"),
    ("NoPattern", "a rule needs a verb", "no get/put/post/delete/patch/custom"),
    ("SelectorNotBool", "the stream selector must be a bool field", "is not a bool field"),
    ("SelectorOnUnary", "only server-streaming methods select by a field", "only for server-streaming"),
    ("TwinTypesDiffer", "twins share one request type", "need one request type"),
    ("TwinBodiesDiffer", "twins share one template and body", "same template and body"),
    ("TwinWithoutUnary", "an implicit twin needs its unary half", "found 0"),
]


@pytest.mark.parametrize(("name", "why", "error"), INVALID, ids=[row[0] for row in INVALID])
def test_invalid_service(invalid_file: FileDescriptor, name: str, why: str, error: str) -> None:
    with pytest.raises(RouteError, match=error):
        compile_routes(invalid_file.services_by_name[name])


def test_implicit_twin_shares_the_unary_rule(invalid_file: FileDescriptor) -> None:
    (route,) = compile_routes(invalid_file.services_by_name["ImplicitTwin"]).routes
    assert route.method.name == "A"
    assert route.twin is not None and route.twin.method.name == "B"
    assert route.stream_selector == "stream"


def _route(table: RouteTable, method: str, http_method: str | None = None) -> Route:
    return next(r for r in table.routes if r.method.name == method and http_method in (None, r.http_method))


def test_twin_selection(table: RouteTable) -> None:
    route = _route(table, "Complete")
    assert route.twin is not None and route.twin.server_streaming and not route.server_streaming
    request = route.binding.message_class(prompt="hi")
    assert route.select(request) is route
    request.stream = True
    assert route.select(request) is route.twin
    assert not any(r.method.name == "StreamComplete" for r in table.routes), "the twin is not routed itself"


def test_default_binding_for_methods_without_a_rule(table: RouteTable) -> None:
    route = _route(table, "Ping")
    assert route.generated and route.http_method == "POST" and route.body == "*"
    assert route.template.source == f"/{PACKAGE}.Transcoding/Ping"
    assert not any(r.generated for r in table.routes if r.method.name != "Ping")


def test_additional_bindings_and_custom_kind(table: RouteTable) -> None:
    assert [r.template.source for r in table.routes if r.method.name == "GetBook"] == [
        "/v1/{name=shelves/*/books/*}",
        "/v1/books/{name}",
    ]
    assert {r.http_method for r in table.routes if r.method.name == "Probe"} == {"HEAD", "GET"}


def test_route_is_frozen_slotted_keyword_only(table: RouteTable) -> None:
    route = table.routes[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        route.body = "x"  # type: ignore[misc]
    assert not hasattr(route, "__dict__")
    with pytest.raises(TypeError):
        Route(route.method)  # type: ignore[misc]
