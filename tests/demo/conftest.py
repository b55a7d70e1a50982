"""One running demo chute for the whole session (its embedded Triton loads three models, which
takes tens of seconds on two cores): in-process for the async SDK, and on a real loopback socket
for the sync SDK and the example scripts.

Sync clients block, so their tests are async tests that call them in a worker thread: the session
event loop keeps serving the socket meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import pathlib
from collections.abc import AsyncIterator, Iterator

import httpx
import openai
import pytest
import uvicorn

from cordwire.demo import chute
from cordwire.gateway import create_app
from cordwire.testing import RunningChute, serve_chute

HERE = pathlib.Path(__file__).resolve().parent
START_TIMEOUT = 240  # seconds for the test that pays for the start-up (the suite's default is 120)
API_KEY = "test-key"  # sent as the SDKs send keys; the demo does not check it (yet)


class _QuietServer(uvicorn.Server):
    # pytest owns the signals; uvicorn must not take SIGINT away from it.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@pytest.hookimpl(trylast=True)  # after -k/-m deselection, so `first` really runs first
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Loading the demo models takes 40-70 s on two busy cores; only the first demo test waits for it.
    first = next((item for item in items if HERE in item.path.parents), None)
    if first is not None and first.get_closest_marker("timeout") is None:
        first.add_marker(pytest.mark.timeout(START_TIMEOUT))


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Demo:
    running: RunningChute
    """The served chute (gRPC channel, in-process HTTP client)."""
    app: object
    """The gateway ASGI app, for in-process SDK clients."""
    url: str
    """``http://127.0.0.1:PORT``: the same gateway on a real socket."""


@pytest.fixture(scope="session")
async def demo() -> AsyncIterator[Demo]:
    async with serve_chute(chute) as running:
        app = create_app(running.server)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning")
        server = _QuietServer(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                await task
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield Demo(running=running, app=app, url=f"http://127.0.0.1:{port}")
        finally:
            server.should_exit = True
            await task


@pytest.fixture
async def aclient(demo: Demo) -> AsyncIterator[openai.AsyncOpenAI]:
    """The official async SDK, bound to the gateway in-process (no socket)."""
    transport = httpx.ASGITransport(app=demo.app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport) as http:
        yield openai.AsyncOpenAI(
            base_url="http://testserver/v1", api_key=API_KEY, http_client=http, max_retries=0
        )


@pytest.fixture
def client(demo: Demo) -> Iterator[openai.OpenAI]:
    """The official sync SDK over the real socket; call it through ``asyncio.to_thread``."""
    with openai.OpenAI(base_url=f"{demo.url}/v1", api_key=API_KEY, max_retries=0) as sync_client:
        yield sync_client
