"""The seed examples (examples/seed_cords/chute.py), each chute served once per module."""

from __future__ import annotations

import types
from collections.abc import AsyncIterator

import pytest

from cordwire._target import load_target
from cordwire.testing import RunningChute, serve_chute
from tests.conftest import ROOT

SEED_FILE = ROOT / "examples" / "seed_cords" / "chute.py"
SEED_TARGET = f"{SEED_FILE}:chute"


@pytest.fixture(scope="session")
def seeds() -> types.ModuleType:
    """The example module, imported once (its chutes synthesize their services on first serve)."""
    import sys

    load_target(SEED_TARGET)
    return sys.modules["_cordwire_target_chute"]


@pytest.fixture(scope="module")
async def running(seeds: types.ModuleType) -> AsyncIterator[RunningChute]:
    async with serve_chute(seeds.chute) as running:
        yield running


@pytest.fixture
async def upstream_port() -> AsyncIterator[int]:
    """A real HTTP server on a free port that echoes a passthrough's body, query and headers."""
    import asyncio

    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    async def echo(request: Request) -> JSONResponse | StreamingResponse:
        body = await request.json()
        if body.get("stream"):

            async def events() -> AsyncIterator[bytes]:
                yield b'data: {"streamed": true}\n\n'
                yield b"data: [DONE]\n\n"

            return StreamingResponse(events(), media_type="text/event-stream")
        headers = {k: v for k, v in request.headers.items() if k.startswith("x-")}
        extra = {"headers": headers} if headers else {}
        status = body.get("status", 200)
        return JSONResponse({"echo": body, "query": request.url.query, **extra}, status_code=status)

    app = Starlette(routes=[Route("/{path:path}", echo, methods=["POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task
