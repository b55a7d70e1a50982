"""User code that blocks: sync cords in the thread pool, async cords on worker loops
(``async_in_threads``), and the loop-lag watchdog that names the cord holding the loop."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cordwire import Chute
from cordwire.testing import serve_chute


def blocking_chute(name: str, gate: threading.Event, entered: threading.Event, **options: Any) -> Chute:
    chute = Chute(username="isolation", name=name, **options)

    @chute.cord(public_api_path="/sync-block")
    def sync_block(self: Any) -> dict[str, Any]:
        entered.set()
        gate.wait(30)  # a blocking library call
        return {"done": True}

    @chute.cord(public_api_path="/async-block")
    async def async_block(self: Any) -> dict[str, Any]:
        entered.set()
        gate.wait(30)  # blocking inside async def: the mistake this guards against
        return {"done": True, "thread": threading.current_thread().name}

    @chute.cord(public_api_path="/quick", method="GET")
    async def quick(self: Any) -> dict[str, Any]:
        return {"quick": True}

    return chute


async def others_answer_while(
    chute: Chute, path: str, entered: threading.Event, gate: threading.Event
) -> Any:
    async with serve_chute(chute) as running:
        blocked = asyncio.create_task(running.http.post(path, json={}))
        try:
            assert await asyncio.to_thread(entered.wait, 10)
            assert (await running.http.get("/quick")).json() == {"quick": True}
            assert (await running.http.get("/healthz")).status_code == 200
            health = health_pb2_grpc.HealthStub(running.channel)
            reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
            assert not blocked.done()
        finally:
            gate.set()
        return (await blocked).json()


async def test_a_blocking_sync_cord_leaves_the_others_and_healthz_answering() -> None:
    gate, entered = threading.Event(), threading.Event()
    chute = blocking_chute("sync", gate, entered)
    assert await others_answer_while(chute, "/sync-block", entered, gate) == {"done": True}


async def test_async_in_threads_runs_async_cords_on_worker_loops() -> None:
    gate, entered = threading.Event(), threading.Event()
    chute = blocking_chute("threads", gate, entered, async_in_threads=True)
    reply = await others_answer_while(chute, "/async-block", entered, gate)
    assert reply["done"] and reply["thread"].startswith("isolation-threads-async")


async def test_async_generators_and_errors_on_worker_loops() -> None:
    chute = Chute(username="isolation", name="threads-gen", async_in_threads=2)

    @chute.cord(public_api_path="/count", stream=True)
    async def count(self: Any, n: int) -> Any:
        for i in range(n):
            await asyncio.sleep(0)
            yield {"i": i, "thread": threading.current_thread().name}

    @chute.cord(public_api_path="/fail")
    async def fail(self: Any) -> dict[str, Any]:
        from fastapi import HTTPException

        raise HTTPException(status_code=409, detail="taken")

    async with serve_chute(chute) as running:
        text = (await running.http.post("/count", json={"n": 3})).text
        assert text.count('"thread":"isolation-threads-gen-async') == 3
        failed = await running.http.post("/fail", json={})
        assert (failed.status_code, failed.json()["error"]["message"]) == (409, "taken")


async def test_the_watchdog_names_the_cord_that_held_the_loop(caplog: pytest.LogCaptureFixture) -> None:
    gate, entered = threading.Event(), threading.Event()
    chute = blocking_chute("watched", gate, entered, loop_lag_threshold=0.05)
    gate.set()  # async_block returns at once... after the watchdog has seen the loop held:

    @chute.cord(public_api_path="/hold")
    async def hold(self: Any) -> dict[str, Any]:
        threading.Event().wait(0.5)  # holds the serving loop for 500 ms
        return {"held": True}

    caplog.set_level(logging.WARNING, logger="cordwire.loop")
    async with serve_chute(chute) as running:
        assert (await running.http.post("/hold", json={})).json() == {"held": True}
    warnings = [r for r in caplog.records if r.name == "cordwire.loop"]
    assert warnings, "no loop-lag warning"
    message = warnings[0].getMessage()
    assert "by cord Hold" in message
    assert "threading.Event().wait(0.5)" in message  # the stack shows the blocking line
