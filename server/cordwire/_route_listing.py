"""The table of a chute's routes that `cordwire serve` prints and `cordwire routes` shows."""

from __future__ import annotations

from ._chute import Chute
from ._cords import CordKind
from .gateway._routes import Route, compile_routes

__all__ = ["chute_routes", "route_lines"]


def chute_routes(chute: Chute) -> tuple[Route, ...]:
    """The chute's routes, then its jobs' (``/jobs``) when it declares any."""
    routes = compile_routes(chute.service).routes
    if chute.jobs:
        from .v1 import jobs_pb2

        routes += compile_routes(jobs_pb2.DESCRIPTOR.services_by_name["Jobs"]).routes
    return routes


def route_lines(chute: Chute) -> list[str]:
    """One line per HTTP route: method, path, the RPC it calls and that RPC's call shape."""
    rows = [(f"{route.http_method} {route.template.source}", _target(route)) for route in chute_routes(chute)]
    width = max((len(left) for left, _ in rows), default=0)
    return [f"  {left.ljust(width)}  -> {right}" for left, right in rows]


def _target(route: Route) -> str:
    text = f"{route.method.name}{_shape(route)}"
    if route.twin is not None:
        text += f"; {route.stream_selector}=true -> {route.twin.method.name}{_shape(route.twin)}"
    return text


def _shape(route: Route) -> str:
    kind = CordKind.of(route.method)
    return "" if kind is CordKind.UNARY else f" ({kind.value.replace('_', ' ')})"
