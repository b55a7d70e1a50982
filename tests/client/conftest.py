"""A real gateway serving the fault-injection chute, and clients that record their sleeps."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn

from cordwire.gateway import create_app
from cordwire.testing import RunningChute, serve_chute

from .faults import make_chute


class Sleeps:
    """Stands in for time.sleep / asyncio.sleep: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def async_(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture(scope="session")
async def running() -> AsyncIterator[RunningChute]:
    async with serve_chute(make_chute()) as running:
        yield running


@pytest.fixture(scope="session")
def asgi(running: RunningChute) -> httpx.ASGITransport:
    """The gateway app in-process: what AsyncClient tests send through."""
    return httpx.ASGITransport(app=create_app(running.server))


@pytest.fixture(scope="session")
async def http_url(running: RunningChute) -> AsyncIterator[str]:
    """The gateway on a real loopback socket, for the blocking Client (run it in a thread, so that
    this event loop keeps serving)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(running.server), lifespan="off", ws="none", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    # uvicorn offers no event for "listening"; its flag flips within a few polls.
    while not server.started:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    await task
    sock.close()
