"""What only a real socket shows: events flushed as they happen, and hang-ups cancelling handlers.

httpx's ASGITransport collects the whole response before returning it, so these cases run the
gateway under uvicorn on a loopback port (one per test, in both dispatch modes).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from .conftest import Chutes, client_for, real_socket
from .test_cases import sse_events

WAIT = 10.0  # generous bound for two shared cores; the events usually fire within milliseconds


@pytest.fixture
async def base_url(chutes: Chutes, mode: str) -> AsyncIterator[str]:
    async with real_socket(chutes.gateways[f"{mode}/single"]) as url:
        yield url


async def test_stream_flushes_each_event_and_disconnect_cancels_handler(
    chutes: Chutes, base_url: str
) -> None:
    probes = chutes.probes()
    async with (
        httpx.AsyncClient(base_url=base_url) as client,
        client.stream("GET", "/v1/stream?count=2&hang=true") as response,
    ):
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        events: list[object] = []
        lines = response.aiter_lines()
        # The handler is still running (hanging): these arrive only if each event was flushed.
        while len(events) < 2:
            line = await asyncio.wait_for(anext(lines), WAIT)
            if line:
                events.append(json.loads(line.removeprefix("data: ")))
        assert events == [{"index": 0, "total": "2"}, {"index": 1, "total": "2"}]
        await asyncio.wait_for(probes.started.wait(), WAIT)
        assert not probes.finished.is_set()
    # Leaving the block closed the connection mid-stream: the handler must see CancelledError.
    await asyncio.wait_for(probes.cancelled.wait(), WAIT)
    await asyncio.wait_for(probes.finished.wait(), WAIT)


async def test_disconnect_cancels_unary_handler(chutes: Chutes, base_url: str) -> None:
    probes = chutes.probes()
    async with httpx.AsyncClient(base_url=base_url) as client:
        call = asyncio.ensure_future(client.get("/v1/slow"))
        await asyncio.wait_for(probes.started.wait(), WAIT)
        call.cancel()  # httpx closes the connection of a cancelled request
        with pytest.raises(asyncio.CancelledError):
            await call
    await asyncio.wait_for(probes.cancelled.wait(), WAIT)
    assert probes.finished.is_set()


async def test_sse_over_socket_is_framed_and_ends_with_done(base_url: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.get("/v1/stream?count=2&fail_after=1&fail_code=ABORTED")
    assert response.status_code == 200
    assert sse_events(response.text)[1:] == [
        {
            "error": {
                "message": "stream failed after 1 messages",
                "type": "conflict_error",
                "param": None,
                "code": "aborted",
            }
        },
        "[DONE]",
    ]


async def test_internal_error_quotes_the_echoed_request_id(chutes: Chutes, mode: str) -> None:
    # No X-Request-Id sent: the gateway makes one, and the handler side (remote too) quotes it.
    async with client_for(chutes.gateways[mode]) as client:
        response = await client.post("/v1/fail", json={})
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    assert response.json()["error"]["message"] == f"internal error in Fail (request id {request_id})"
