"""The API key reaches the handler: from the argument or $CORDWIRE_API_KEY, over HTTP and gRPC."""

from __future__ import annotations

import asyncio

import grpc
import httpx
import pytest

from cordwire import Code
from cordwire.testing import RunningChute
from cordwire_client import (
    AsyncClient,
    Client,
    NotFoundError,
    aio_grpc_channel,
    error_from_rpc,
    grpc_channel,
)


async def test_http_sends_the_key_argument(asgi: httpx.ASGITransport) -> None:
    async with AsyncClient("http://testserver", api_key="cw_arg", transport=asgi) as c:
        assert (await c.call("/v1/whoami"))["api_key"] == "cw_arg"


async def test_http_takes_the_key_from_the_environment(
    asgi: httpx.ASGITransport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORDWIRE_API_KEY", "cw_env")
    async with AsyncClient("http://testserver", transport=asgi) as c:
        assert (await c.call("/v1/whoami"))["api_key"] == "cw_env"


async def test_blocking_http_sends_the_key(http_url: str) -> None:
    def whoami() -> dict[str, object]:
        with Client(http_url, api_key="cw_sync") as c:
            return c.call("/v1/whoami")

    assert (await asyncio.to_thread(whoami))["api_key"] == "cw_sync"


def _stubs(running: RunningChute, channel: grpc.Channel | grpc.aio.Channel, name: str) -> object:
    cord = running.server.cords[name]
    factory = channel.unary_stream if cord.kind.streams_responses else channel.unary_unary
    return factory(
        cord.full_path,
        request_serializer=cord.input_class.SerializeToString,
        response_deserializer=cord.output_class.FromString,
    )


async def test_aio_channel_puts_the_key_on_every_call(running: RunningChute) -> None:
    async with aio_grpc_channel(running.server.grpc_target, "cw_aio") as channel:
        whoami = _stubs(running, channel, "Whoami")
        for _ in range(2):
            reply = await whoami(running.request("Whoami"))  # type: ignore[operator]
            assert reply.api_key == "cw_aio"
        # Streaming calls go through their own interceptor kind.
        count = _stubs(running, channel, "Count")
        chunks = [chunk async for chunk in count(running.request("Count", {"n": 2}))]  # type: ignore[operator]
        assert len(chunks) == 2


async def test_a_key_on_the_call_wins(running: RunningChute) -> None:
    async with aio_grpc_channel(running.server.grpc_target, "cw_channel") as channel:
        whoami = _stubs(running, channel, "Whoami")
        reply = await whoami(running.request("Whoami"), metadata=(("x-api-key", "cw_call"),))  # type: ignore[operator]
    assert reply.api_key == "cw_call"


async def test_sync_channel_puts_the_key_on_every_call(running: RunningChute) -> None:
    def calls() -> list[str]:
        with grpc_channel(running.server.grpc_target, "cw_sync") as channel:
            whoami = _stubs(running, channel, "Whoami")
            keys = [whoami(running.request("Whoami")).api_key for _ in range(2)]  # type: ignore[operator]
            count = _stubs(running, channel, "Count")
            keys += [str(len(list(count(running.request("Count", {"n": 3})))))]  # type: ignore[operator]
            return keys

    assert await asyncio.to_thread(calls) == ["cw_sync", "cw_sync", "3"]


async def test_grpc_errors_map_to_the_same_classes(running: RunningChute) -> None:
    async with aio_grpc_channel(running.server.grpc_target, "cw") as channel:
        fail = _stubs(running, channel, "Fail")
        request = running.request(
            "Fail",
            {"code": "NOT_FOUND", "message": "no model", "param": "model", "reason": "model_not_found"},
        )
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await fail(request)  # type: ignore[operator]
    error = error_from_rpc(caught.value)
    assert isinstance(error, NotFoundError)
    assert (error.status, error.grpc_code, error.param, error.code) == (
        404,
        Code.NOT_FOUND,
        "model",
        "model_not_found",
    )
