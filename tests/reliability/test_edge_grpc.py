"""gRPC edge limits on a real loopback server: message and metadata sizes, keepalive abuse, and
garbage HTTP/2 from one client that harms no other."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from cordwire._edge_grpc import grpc_server_options
from cordwire._edge_limits import EdgeLimits
from cordwire.server import ChuteServer

from . import edge_chute
from .edge_chute import chute

pytestmark = pytest.mark.timeout(60)

LIMITS = EdgeLimits(grpc_max_message_bytes=64 * 1024, grpc_max_metadata_bytes=4096, grpc_min_ping_interval=5)


@contextlib.asynccontextmanager
async def grpc_edge(limits: EdgeLimits = LIMITS) -> AsyncIterator[ChuteServer]:
    server = ChuteServer(chute, grpc_port=0, grpc_options=grpc_server_options(limits))
    await server.start()
    try:
        yield server
    finally:
        await server.stop(0)


def method(server: ChuteServer, channel: grpc.aio.Channel, name: str) -> Any:
    cord = server.cords[name]
    return channel.unary_unary(
        cord.full_path,
        request_serializer=cord.input_class.SerializeToString,
        response_deserializer=cord.output_class.FromString,
    )


async def test_message_over_the_limit_is_resource_exhausted() -> None:
    async with grpc_edge() as server, grpc.aio.insecure_channel(server.grpc_target) as channel:
        whoami = method(server, channel, "Whoami")
        fits = await whoami(server.cords["Whoami"].input_class(text="a" * 60_000))
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await whoami(server.cords["Whoami"].input_class(text="a" * 70_000))
    assert fits["text"] == "a" * 60_000  # a Struct: the cord returns a dict
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_metadata_over_the_limit_is_resource_exhausted() -> None:
    async with grpc_edge() as server, grpc.aio.insecure_channel(server.grpc_target) as channel:
        whoami = method(server, channel, "Whoami")
        request = server.cords["Whoami"].input_class(text="x")
        await whoami(request, metadata=(("x-pad", "a" * 2000),))
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await whoami(request, metadata=(("x-pad", "a" * 6000),))
        # The connection stays usable for the next call.
        after = await whoami(request)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert after["text"] == "x"


async def test_keepalive_abuse_gets_goaway_too_many_pings() -> None:
    """A client pinging every 50 ms (the server allows one per 5 s) loses its connection: the call
    on it fails UNAVAILABLE instead of lasting its 20 s."""
    abusive = [
        ("grpc.keepalive_time_ms", 50),
        ("grpc.keepalive_timeout_ms", 1000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
    ]
    edge_chute.holding = edge_chute.Holding()
    async with (
        grpc_edge() as server,
        grpc.aio.insecure_channel(server.grpc_target, options=abusive) as channel,
    ):
        hold = method(server, channel, "Hold")
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await hold(server.cords["Hold"].input_class(seconds=20), timeout=30)
        # A well-behaved client on its own connection is served meanwhile.
        async with grpc.aio.insecure_channel(server.grpc_target) as good:
            reply = await method(server, good, "Whoami")(server.cords["Whoami"].input_class(text="ok"))
        edge_chute.holding.release.set()
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert caught.value.details() == "Too many pings"
    assert reply["text"] == "ok"


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", id="http1"),
        pytest.param(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\xff" * 4096, id="bad-frames"),
        pytest.param(
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
            + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # empty SETTINGS
            + b"\x00\x40\x00\x01\x05\x00\x00\x00\x01"
            + b"\xff" * 0x4000,  # HEADERS of garbage HPACK
            id="bad-hpack",
        ),
    ],
)
async def test_garbage_http2_closes_only_that_connection(garbage: bytes) -> None:
    async with grpc_edge() as server, grpc.aio.insecure_channel(server.grpc_target) as channel:
        whoami = method(server, channel, "Whoami")
        request = server.cords["Whoami"].input_class(text="fine")
        await whoami(request)
        host, port = server.grpc_target.rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(garbage)
        await writer.drain()
        # The server ends the bad connection (GOAWAY and close): read to EOF.
        with contextlib.suppress(ConnectionResetError):
            while await asyncio.wait_for(reader.read(65536), 10):
                pass
        writer.close()
        after = await whoami(request)
    assert after["text"] == "fine"


async def test_pings_at_the_allowed_pace_keep_the_call() -> None:
    """The enforcement is the configured one: a ping a second, allowed here, is abuse to grpc
    core's own default (one per 5 min), which ends such a call after about 5 s."""
    polite = [
        ("grpc.keepalive_time_ms", 1000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
    ]
    edge_chute.holding = edge_chute.Holding()
    limits = EdgeLimits(grpc_min_ping_interval=0.5)
    async with (
        grpc_edge(limits) as server,
        grpc.aio.insecure_channel(server.grpc_target, options=polite) as channel,
    ):
        reply = await method(server, channel, "Hold")(server.cords["Hold"].input_class(seconds=7), timeout=30)
    assert reply["held"] is True


async def test_connection_age_ends_a_call_past_its_grace() -> None:
    """An aged connection gets GOAWAY; a call still running after the grace is ended, and the
    channel's next call goes over a new connection."""
    edge_chute.holding = edge_chute.Holding()
    limits = EdgeLimits(grpc_max_connection_age=0.5, grpc_max_connection_age_grace=0.5)
    async with grpc_edge(limits) as server, grpc.aio.insecure_channel(server.grpc_target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await method(server, channel, "Hold")(server.cords["Hold"].input_class(seconds=20), timeout=15)
        edge_chute.holding.release.set()
        after = await method(server, channel, "Whoami")(server.cords["Whoami"].input_class(text="again"))
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert after["text"] == "again"
