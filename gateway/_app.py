"""The ASGI application that fronts one or more chutes."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.routing import Route

from ..server import ChuteServer
from ._health import healthz_endpoint

__all__ = ["create_app"]


def create_app(servers: ChuteServer | Sequence[ChuteServer]) -> Starlette:
    chutes = [servers] if isinstance(servers, ChuteServer) else list(servers)
    return Starlette(routes=[Route("/healthz", healthz_endpoint(chutes), methods=["GET"])])
