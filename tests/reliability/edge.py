"""Serving the edge chute behind the hardened HTTP server, and raw-socket clients to attack it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator

import orjson

from cordwire._edge_limits import EdgeLimits
from cordwire._http_server import HttpServer, listen_socket
from cordwire.gateway import ObservedGateway, create_app
from cordwire.server import CallGuard
from cordwire.server.observability import Observability
from cordwire.testing import RunningChute, serve_chute

from .edge_chute import chute

ATTACKER = "127.0.0.2"
"""Another loopback address (all of 127/8 is loopback on Linux): attack connections come from it,
so that per-IP caps keep them apart from the checks made from 127.0.0.1."""


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Edge:
    running: RunningChute
    http: HttpServer
    url: str

    @property
    def port(self) -> int:
        return self.http.port


@contextlib.asynccontextmanager
async def serve_edge(limits: EdgeLimits, *, guards: tuple[CallGuard, ...] = ()) -> AsyncIterator[Edge]:
    async with serve_chute(chute, guards=guards) as running:
        app = ObservedGateway(create_app(running.server, body_timeout=limits.body_timeout), Observability())
        sock = listen_socket("127.0.0.1", 0)
        http = HttpServer(app, limits, sock)
        http.start()
        try:
            yield Edge(running=running, http=http, url=f"http://127.0.0.1:{http.port}")
        finally:
            await http.stop()
            sock.close()


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, object]:
        value: dict[str, object] = orjson.loads(self.body)
        return value


def parse(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(status=int(status_line.split()[1]), headers=headers, body=body)


async def connect(port: int, source: str = "127.0.0.1") -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))


async def send_and_read_to_close(port: int, data: bytes, source: str = "127.0.0.1") -> bytes:
    """Send ``data``, then read until the server closes the connection."""
    reader, writer = await connect(port, source)
    try:
        writer.write(data)
        await writer.drain()
        return await reader.read()
    finally:
        writer.close()


def get(path: str, *headers: bytes, close: bool = True) -> bytes:
    extra = b"".join(h + b"\r\n" for h in headers)
    connection = b"Connection: close\r\n" if close else b""
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: edge\r\n" + connection + extra + b"\r\n"


def post_json(path: str, body: bytes, *, close: bool = False) -> bytes:
    connection = b"Connection: close\r\n" if close else b""
    return (
        b"POST "
        + path.encode()
        + b" HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\n"
        + connection
        + b"Content-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
