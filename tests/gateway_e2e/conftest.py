"""Two transcoding chutes served for real over gRPC, and gateways in front of them both ways.

Every case runs twice: through a gateway that calls the handlers in-process, and through one
that forwards over a real gRPC channel (RemoteDispatcher). The servers start once per session.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import pathlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import grpc
import httpx
import pytest
import uvicorn

from cordwire import Chute
from cordwire.gateway import ChuteEndpoint, Gateway, RemoteDispatcher
from cordwire.server import ChuteServer

from .chute import Probes, make_chute

CASES = pathlib.Path(__file__).resolve().parent / "cases"
MAIN, OTHER = "conf-transcoding", "other-transcoding"
BASE_URL = f"http://{MAIN}.example.com"
MODES = ("in_process", "remote")


def load_cases(name: str) -> list[Any]:
    rows = json.loads((CASES / name).read_text())
    for row in rows:
        assert {"id", "why", "request", "expect"} <= row.keys(), f"{name}: incomplete row {row}"
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), f"{name}: duplicate ids"
    return [pytest.param(row, id=row["id"]) for row in rows]


class Chutes:
    """The running chutes and a gateway per dispatch mode (and a one-chute gateway per mode)."""

    def __init__(self, servers: dict[str, ChuteServer], channels: dict[str, grpc.aio.Channel]) -> None:
        self.servers = servers
        self.gateways: dict[str, Gateway] = {}
        for mode in MODES:
            endpoints = [_endpoint(mode, servers[cid], channels[cid]) for cid in (MAIN, OTHER)]
            self.gateways[mode] = Gateway(endpoints)
            self.gateways[f"{mode}/single"] = Gateway(endpoints[:1])
            # Both judgement calls turned the other way (serve --ignore-unknown-query-parameters
            # --match-empty-segments).
            self.gateways[f"{mode}/lenient"] = Gateway(
                endpoints, ignore_unknown_query_parameters=True, match_empty_segments=True
            )

    def probes(self, chute_id: str = MAIN) -> Probes:
        """Fresh probes for ``chute_id``'s handlers (earlier cases may have set the old ones)."""
        probes = Probes()
        self.servers[chute_id].chute.probes = probes  # type: ignore[attr-defined]
        return probes


def _endpoint(mode: str, server: ChuteServer, channel: grpc.aio.Channel) -> ChuteEndpoint:
    if mode == "in_process":
        return ChuteEndpoint.in_process(server)
    return ChuteEndpoint.for_service(server.chute.service, RemoteDispatcher(channel), server.chute.chute_id)


@pytest.fixture(scope="session")
async def chutes() -> AsyncIterator[Chutes]:
    defined: list[Chute] = [make_chute(*cid.split("-")) for cid in (MAIN, OTHER)]
    servers = {c.chute_id: ChuteServer(c, grpc_port=0, grace=0.5) for c in defined}
    async with contextlib.AsyncExitStack() as stack:
        channels = {}
        for cid, server in servers.items():
            await server.start()
            stack.push_async_callback(server.stop)
            await server.wait_ready(30)
            channels[cid] = await stack.enter_async_context(grpc.aio.insecure_channel(server.grpc_target))
        yield Chutes(servers, channels)


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def http(chutes: Chutes, mode: str) -> AsyncIterator[httpx.AsyncClient]:
    """An in-memory client for the two-chute gateway of ``mode``; Host names the main chute."""
    async with client_for(chutes.gateways[mode]) as client:
        yield client


def client_for(app: Gateway, base_url: str = BASE_URL) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


@contextlib.asynccontextmanager
async def real_socket(app: Gateway) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port; yields its base URL.

    The socket is bound and listening before uvicorn starts, so a client may connect at once
    (the kernel queues it) and nothing has to poll for start-up.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    config = uvicorn.Config(app, log_config=None, lifespan="off", ws="none")
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        host, port = sock.getsockname()[:2]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()
