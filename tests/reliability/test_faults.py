"""Faults on the whole path: a model process killed mid-stream, handler bugs, clients hanging up.

The relay chute runs in this process (conftest) against a real embedded Triton; the gateway is
on a real loopback socket, so streams and hang-ups behave as they do in production. A killed
model process ends `cordwire serve`, so that test runs one of its own.
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

from .chute import chute
from .conftest import Relay
from .serving import serve_process, wait_healthy

pytestmark = pytest.mark.triton

WAIT = 10.0  # bound on anything that should take milliseconds (two shared, busy cores)
RESTART = 90.0  # bound on a `cordwire serve` start-up or exit on two busy shared cores
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


def _stubs_of(pid: int, model: str) -> list[int]:
    """The Python-backend stub processes serving ``model`` under process ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(") ", 1)[1].split()[1])
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    command = f.read().decode(errors="replace")
            except (FileNotFoundError, IndexError):
                continue
            if parent == pid and "triton_python_backend_stub" in command and f"{model}_" in command:
                found.append(int(entry))
    return found


async def test_model_process_killed_mid_stream_ends_streams_then_exit_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    # Triton runs inside `cordwire serve`; what can die under it is a model's stub process. The
    # Python backend never restarts one, so the process must be replaced: in-flight calls end with
    # UNAVAILABLE (new ones get 503 + Retry-After while it drains), and it exits 1 for its supervisor.
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where the failed Triton's log stays
    with serve_process() as served:
        cord = chute.cords()["Count"]
        async with (
            grpc.aio.insecure_channel(served.grpc_target) as channel,
            httpx.AsyncClient(base_url=served.http_url, timeout=WAIT) as client,
            client.stream("POST", "/v1/count", json=ENDLESS) as response,
        ):
            count = channel.unary_stream(
                cord.full_path,
                request_serializer=cord.input_class.SerializeToString,
                response_deserializer=cord.output_class.FromString,
            )
            grpc_call = count(cord.input_class(**ENDLESS), timeout=RESTART)
            assert response.status_code == 200
            events = sse_events(response.aiter_lines())
            assert await anext(events) == {"value": 0}
            assert (await asyncio.wait_for(grpc_call.read(), WAIT)).value == 0  # type: ignore[union-attr]

            stubs = _stubs_of(served.pid, "counter")
            assert stubs, "expected the counter model's stub processes"
            for pid in stubs:
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
        print(f"\nmodel stub SIGKILL: SSE ended {sse_seconds:.2f}s after the kill")
        exit_code = await asyncio.to_thread(served.process.wait, RESTART)
        assert exit_code == 1, served.output
        assert "Triton failed" in served.output


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
    await wait_healthy(relay.url, RESTART)  # the session relay may still be starting
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
