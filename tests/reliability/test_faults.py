"""Faults on the whole path: Triton killed mid-stream, handler bugs, clients hanging up.

The relay chute runs in this process (conftest) against a real embedded Triton; the gateway is
on a real loopback socket, so streams and hang-ups behave as they do in production.
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import signal
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
import httpx
import pytest

from .conftest import Relay
from .serving import wait_healthy

pytestmark = pytest.mark.triton

WAIT = 10.0  # bound on anything that should take milliseconds (two shared, busy cores)
RESTART = 90.0  # bound on Triton's restart (≈5 s idle)
ENDLESS = {"count": 100_000, "delay_ms": 10}  # a stream that only a fault or a hang-up ends


async def sse_events(lines: AsyncIterator[str], limit: int = 10_000) -> AsyncIterator[Any]:
    """Decoded ``data:`` payloads (``"[DONE]"`` as the string); each line awaited at most WAIT s."""
    for _ in range(limit):
        try:
            line = await asyncio.wait_for(anext(lines), WAIT)
        except StopAsyncIteration:
            return
        if line.startswith("data: "):
            data = line.removeprefix("data: ")
            yield data if data == "[DONE]" else json.loads(data)
    raise AssertionError(f"more than {limit} lines")


def parse_sse(text: str) -> list[Any]:
    """A whole SSE body's ``data:`` payloads, decoded (``"[DONE]"`` as the string)."""
    payloads = [line.removeprefix("data: ") for line in text.splitlines() if line.startswith("data: ")]
    return [p if p == "[DONE]" else json.loads(p) for p in payloads]


def readiness(relay: Relay) -> asyncio.Queue[bool]:
    changes: asyncio.Queue[bool] = asyncio.Queue()
    relay.running.server.add_listener(changes.put_nowait)
    return changes


async def test_triton_killed_mid_stream_fails_streams_then_503_then_recovers(relay: Relay) -> None:
    server = relay.running.server
    assert server.triton is not None and server.triton.embedded is not None
    pid = server.triton.embedded.pid
    assert pid is not None
    changes = readiness(relay)
    grpc_call = relay.running.method("Count")(relay.running.request("Count", ENDLESS))
    async with (
        httpx.AsyncClient(base_url=relay.url, timeout=WAIT) as client,
        client.stream("POST", "/v1/count", json=ENDLESS) as response,
    ):
        assert response.status_code == 200
        events = sse_events(response.aiter_lines())
        assert await anext(events) == {"value": 0}
        assert (await asyncio.wait_for(grpc_call.read(), WAIT)).value == 0

        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        # The SSE stream ends in-band: an error event, then [DONE], within seconds.
        tail = [event async for event in events if event == "[DONE]" or "error" in event]
        sse_seconds = time.monotonic() - killed
    assert tail[-1] == "[DONE]"
    assert tail[-2]["error"]["code"] == "model_unavailable", tail  # UNAVAILABLE, with its reason
    assert sse_seconds < WAIT
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        async with asyncio.timeout(WAIT):
            while await grpc_call.read() is not grpc.aio.EOF:
                pass
    assert failed.value.code() is grpc.StatusCode.UNAVAILABLE

    # While it is down: 503 + Retry-After over HTTP (and /healthz says so), UNAVAILABLE over gRPC.
    assert await asyncio.wait_for(changes.get(), WAIT) is False
    async with httpx.AsyncClient(base_url=relay.url, timeout=WAIT) as client:
        refused = await client.post("/v1/echo", json={"values": [1]})
        health = await client.get("/healthz")
    assert refused.status_code == 503, refused.text
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["error"]["code"] == "unavailable"
    assert health.status_code == 503
    with pytest.raises(grpc.aio.AioRpcError) as down:
        await relay.running.call("Echo", {"values": [1]}, timeout=WAIT)
    assert down.value.code() is grpc.StatusCode.UNAVAILABLE

    # It comes back by itself: the supervisor relaunches Triton.
    recovered = await wait_healthy(relay.url, RESTART)
    print(
        f"\nTriton SIGKILL: SSE ended {sse_seconds:.2f}s after the kill; healthy again after {recovered:.1f}s"
    )
    async with httpx.AsyncClient(base_url=relay.url, timeout=WAIT) as client:
        echoed = await client.post("/v1/echo", json={"values": [1, 2], "text": "back"})
        streamed = await client.post("/v1/count", json={"count": 3})
    assert echoed.json() == {"values": [1.0, 2.0], "text": "back"}
    assert streamed.text.count("data: ") == 4
    assert server.triton.embedded.pid != pid
    assert (await relay.running.call("Echo", {"values": [3]})).values == [3.0]  # type: ignore[attr-defined]


SECRET = "hunter2-do-not-leak"


async def test_handler_exception_is_a_500_with_request_id_and_no_internals(relay: Relay) -> None:
    async with httpx.AsyncClient(base_url=relay.url, timeout=WAIT) as client:
        response = await client.post("/v1/boom", json={"secret": SECRET})
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    error = response.json()["error"]
    assert error["message"] == f"internal error in Boom (request id {request_id})"
    assert error["code"] == "internal"
    for leak in (SECRET, "Traceback", "SecretLeak", "password", ".py"):
        assert leak not in response.text

    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await relay.running.call("Boom", {"secret": SECRET}, metadata=[("x-request-id", "rid-42")])
    assert failed.value.code() is grpc.StatusCode.INTERNAL
    assert failed.value.details() == "internal error in Boom (request id rid-42)"
    assert SECRET not in str(failed.value.trailing_metadata())


async def test_handler_exception_mid_stream_is_an_error_event_without_internals(relay: Relay) -> None:
    async with httpx.AsyncClient(base_url=relay.url, timeout=WAIT) as client:
        response = await client.post("/v1/count", json={"count": 5, "boom_after": 2})
    assert response.status_code == 200
    events = parse_sse(response.text)
    assert events[:2] == [{"value": 0}, {"value": 1}]
    assert events[2]["error"]["code"] == "internal"
    assert response.headers["x-request-id"] in events[2]["error"]["message"]
    assert events[3] == "[DONE]"
    assert "secret-stream-detail" not in response.text and "SecretLeak" not in response.text


async def _settled(before: set[asyncio.Task[Any]]) -> set[asyncio.Task[Any]]:
    """Tasks started since ``before`` that are still running after they had WAIT s to end."""
    # grpc.aio's server always has one task waiting for the next call; each call replaces it.
    new = {
        t
        for t in asyncio.all_tasks() - before - {asyncio.current_task()}
        if getattr(t.get_coro(), "__qualname__", "") != "AioServer._request_call"
    }
    if not new:
        return set()
    _, pending = await asyncio.wait(new, timeout=WAIT)
    return pending


async def _marker_written(marker: pathlib.Path) -> None:
    # The model runs in Triton's stub process: its file is the only signal; poll against a deadline.
    deadline = time.monotonic() + WAIT
    while not marker.exists():  # noqa: ASYNC240 (a stat of a local file; nothing to wait on)
        assert time.monotonic() < deadline, "the counter model never saw the request cancelled"
        await asyncio.sleep(0.05)


async def test_http_client_hang_up_cancels_triton_and_leaks_no_task(
    relay: Relay, tmp_path: pathlib.Path
) -> None:
    await wait_healthy(relay.url, RESTART)  # the SIGKILL test may have run just before
    marker = tmp_path / "cancelled"
    before = asyncio.all_tasks()
    async with (
        httpx.AsyncClient(base_url=relay.url, timeout=WAIT) as client,
        client.stream("POST", "/v1/count", json={**ENDLESS, "marker": str(marker)}) as response,
    ):
        events = sse_events(response.aiter_lines())
        assert [await anext(events), await anext(events)] == [{"value": 0}, {"value": 1}]
    # Leaving the blocks closed the connection mid-stream.
    await _marker_written(marker)
    assert await _settled(before) == set()


async def test_grpc_client_cancel_cancels_triton_and_leaks_no_task(
    relay: Relay, tmp_path: pathlib.Path
) -> None:
    await wait_healthy(relay.url, RESTART)
    marker = tmp_path / "cancelled"
    before = asyncio.all_tasks()
    call = relay.running.method("Count")(relay.running.request("Count", {**ENDLESS, "marker": str(marker)}))
    assert (await asyncio.wait_for(call.read(), WAIT)).value == 0
    call.cancel()
    await _marker_written(marker)
    assert await _settled(before) == set()
