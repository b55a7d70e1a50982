"""A chute as the gateway sees it: its routes, compiled once, and where its calls go."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from google.protobuf.descriptor import ServiceDescriptor

from cordwire._protos import chute_options

from ._dispatch import Dispatcher, InProcessDispatcher
from ._matcher import Matcher
from ._routes import RouteTable, compile_routes
from ._templates import RouteError

__all__ = ["DEFAULT_BODY_LIMIT", "ChuteEndpoint"]

DEFAULT_BODY_LIMIT = 16 * 1024 * 1024
"""Largest request body a cord accepts unless its ``max_body_bytes`` option says otherwise."""


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class ChuteEndpoint:
    """One chute behind the gateway."""

    chute_id: str
    """``{username}-{name}``: the Host prefix and the ``/chutes/{chute-id}/`` path segment."""
    routes: RouteTable
    """Its compiled routes."""
    matcher: Matcher
    """The trie over those routes."""
    dispatcher: Dispatcher
    """In-process or remote."""

    @classmethod
    def for_service(
        cls, service: ServiceDescriptor, dispatcher: Dispatcher, chute_id: str = ""
    ) -> ChuteEndpoint:
        if not chute_id:
            options = chute_options(service)
            chute_id = f"{options.username}-{options.name}" if options.username else service.full_name
        routes = compile_routes(service)
        return cls(chute_id=chute_id, routes=routes, matcher=Matcher(routes.routes), dispatcher=dispatcher)

    @classmethod
    def in_process(cls, server: object) -> ChuteEndpoint:
        from cordwire.server import ChuteServer

        assert isinstance(server, ChuteServer)
        endpoint = cls.for_service(server.chute.service, InProcessDispatcher(server), server.chute.chute_id)
        return endpoint.with_services([a.service for a in server.attached])

    def with_services(self, services: Sequence[ServiceDescriptor]) -> ChuteEndpoint:
        """This chute with the routes of more services (the jobs service) beside its own.

        RouteError when a route of theirs is one of the chute's: a chute cannot hide ``/jobs``.
        """
        if not services:
            return self
        routes = list(self.routes.routes)
        taken = {(r.http_method, r.template.shape): r for r in routes}
        for service in services:
            for route in compile_routes(service).routes:
                clash = taken.get((route.http_method, route.template.shape))
                if clash is not None:
                    raise RouteError(f"route conflict: {clash!r} and {route!r}")
                routes.append(route)
        table = RouteTable(service=self.routes.service, routes=tuple(routes))
        return dataclasses.replace(self, routes=table, matcher=Matcher(table.routes))
