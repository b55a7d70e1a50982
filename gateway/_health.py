"""`GET /healthz`: 200 only while every served chute is ready."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..server import ChuteServer

__all__ = ["healthz_endpoint"]


def healthz_endpoint(servers: Sequence[ChuteServer]):  # type: ignore[no-untyped-def]
    async def healthz(request: Request) -> Response:
        status = {s.chute.chute_id: "ready" if s.ready else "starting" for s in servers}
        ok = all(s.ready for s in servers)
        body = {"status": "ok" if ok else "unavailable", "chutes": status}
        return JSONResponse(
            body, status_code=200 if ok else 503, headers=None if ok else {"Retry-After": "1"}
        )

    return healthz
