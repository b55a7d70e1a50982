"""cordwire's gateway and grpc-gateway v2 side by side, in front of one transcoding chute's gRPC port.

grpc-gateway is built by ``make differential-tools`` (tests/differential/build.py). Without it the
run is skipped, unless CORDWIRE_DIFFERENTIAL=required (as ``make test`` sets): then it fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import httpx
import pytest

from cordwire.gateway import ChuteEndpoint, Gateway, RemoteDispatcher
from cordwire.server import ChuteServer

from ..gateway_e2e.chute import make_chute
from .build import BINARY, _stamp

STAMP = BINARY.parent / ".stamp"


@dataclass(frozen=True, slots=True, kw_only=True)
class Peers:
    cordwire: httpx.AsyncClient
    """cordwire's gateway, forwarding over gRPC (RemoteDispatcher) like grpc-gateway does."""
    grpc_gateway: httpx.AsyncClient
    """grpc-gateway v2 over a real loopback socket."""


def _binary_ready() -> str | None:
    if not BINARY.exists():
        return f"{BINARY} is missing: run `make differential-tools` (needs Go)"
    if not STAMP.exists() or STAMP.read_text() != _stamp():
        return f"{BINARY} is older than its inputs: run `make differential-tools`"
    return None


@pytest.fixture(scope="session")
async def peers() -> AsyncIterator[Peers]:
    problem = _binary_ready()
    if problem is not None:
        if os.environ.get("CORDWIRE_DIFFERENTIAL") == "required":
            pytest.fail(problem)
        pytest.skip(problem)
    server = ChuteServer(make_chute("conf", "transcoding"), grpc_port=0, grace=0.5)
    await server.start()
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(server.stop)
        await server.wait_ready(30)
        channel = await stack.enter_async_context(grpc.aio.insecure_channel(server.grpc_target))
        endpoint = ChuteEndpoint.for_service(
            server.chute.service, RemoteDispatcher(channel), server.chute.chute_id
        )
        process = await asyncio.create_subprocess_exec(
            str(BINARY),
            "-upstream",
            server.grpc_target,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        stack.push_async_callback(_stop, process)
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode()
        assert line.startswith("listening on "), f"grpc-gateway did not start: {line!r}"
        address = line.split()[-1]
        cordwire = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=Gateway([endpoint])), base_url="http://t"
        )
        go = httpx.AsyncClient(base_url=f"http://{address}", timeout=10)
        stack.push_async_callback(cordwire.aclose)
        stack.push_async_callback(go.aclose)
        yield Peers(cordwire=cordwire, grpc_gateway=go)


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        await process.wait()
