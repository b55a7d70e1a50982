"""SIGTERM while `cordwire serve` is busy: in-flight calls finish, new ones are refused, it exits in time."""

from __future__ import annotations

import asyncio
import signal
import time

import grpc
import httpx
import pytest

from .chute import chute
from .serving import ServeProcess, serve_process
from .test_faults import WAIT, sse_events

pytestmark = [pytest.mark.triton, pytest.mark.slow]

GRACE = 10.0  # ServeOptions.grace: what `cordwire serve` gives in-flight calls
STREAMS = 8
STEPS = {"count": 20, "delay_ms": 100}  # each stream lasts ~2 s: well inside the grace period


async def _stream_to_the_end(
    client: httpx.AsyncClient, started: asyncio.Event, counter: list[int]
) -> list[object]:
    async with client.stream("POST", "/v1/count", json=STEPS) as response:
        assert response.status_code == 200
        events = sse_events(response.aiter_lines())
        first = await anext(events)
        counter.append(1)
        if len(counter) == STREAMS:
            started.set()
        return [first, *[e async for e in events]]


async def _grpc_stream(served: ServeProcess, started: asyncio.Event) -> list[int]:
    cord = chute.cords()["Count"]
    async with grpc.aio.insecure_channel(served.grpc_target) as channel:
        count = channel.unary_stream(
            cord.full_path,
            request_serializer=cord.input_class.SerializeToString,
            response_deserializer=cord.output_class.FromString,
        )
        values = []
        async for message in count(cord.input_class(**STEPS), timeout=GRACE + WAIT):
            values.append(message.value)
            started.set()
        return values


async def test_sigterm_under_load_drains_in_flight_refuses_new_and_exits_within_grace() -> None:
    with serve_process() as served:
        limits = httpx.Limits(max_connections=STREAMS + 4)
        async with httpx.AsyncClient(base_url=served.http_url, timeout=GRACE + WAIT, limits=limits) as client:
            started, counter = asyncio.Event(), list[int]()
            streams = [
                asyncio.ensure_future(_stream_to_the_end(client, started, counter)) for _ in range(STREAMS)
            ]
            grpc_started = asyncio.Event()
            grpc_stream = asyncio.ensure_future(_grpc_stream(served, grpc_started))
            # Every stream has had its first message: all of them are in flight when the signal lands.
            await asyncio.wait_for(asyncio.gather(started.wait(), grpc_started.wait()), WAIT * 3)

            served.process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            # New calls: refused (the listener closes), reset (the kernel had completed the
            # handshake in the listener's backlog, and closing the listener resets it: no answer
            # was ever read) or 503 (a kept-alive connection), soon.
            refusal: httpx.ConnectError | httpx.ReadError | httpx.Response | None = None
            async with httpx.AsyncClient(base_url=served.http_url, timeout=WAIT) as fresh:
                while refusal is None and time.monotonic() - signalled < WAIT:
                    try:
                        answer = await fresh.post("/v1/echo", json={"values": [1]})
                    except (httpx.ConnectError, httpx.ReadError) as exc:
                        refusal = exc
                    else:
                        if answer.status_code == 503:
                            refusal = answer
                        else:
                            assert answer.status_code == 200
                            # No event crosses the process boundary: retry until the signal lands.
                            await asyncio.sleep(0.05)
            assert refusal is not None, "new calls were still accepted after SIGTERM"

            results = await asyncio.gather(*streams)
            grpc_messages = await grpc_stream
        exit_code = await asyncio.to_thread(served.process.wait, GRACE + WAIT)
        took = time.monotonic() - signalled
    print(f"\nSIGTERM: {STREAMS} SSE streams + 1 gRPC stream drained; exited {exit_code} after {took:.1f}s")
    for events in results:
        assert events == [{"value": i} for i in range(STEPS["count"])] + ["[DONE]"]
    assert grpc_messages == list(range(STEPS["count"]))
    assert exit_code == 0
    assert took < GRACE + 5, f"exited {took:.1f}s after SIGTERM (grace {GRACE}s)"
