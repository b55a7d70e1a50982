"""Stopping waits for in-flight HTTP calls too before it stops Triton.

The gRPC server's graceful stop only knows its own calls; a call that came in over HTTP (dispatched
in process) and reaches Triton late in the drain must still find it running.
"""

from __future__ import annotations

import asyncio
import pathlib
from typing import Any

import numpy as np
import pytest

from cordwire import Chute
from cordwire.testing import serve_chute

pytestmark = pytest.mark.triton

WAIT = 10.0
QUIET = 2.0  # how long Triton must stay up once the drain began; it stops at once without the wait


async def test_stop_lets_an_http_call_reach_triton_before_triton_stops(
    model_repository: pathlib.Path,
) -> None:
    chute = Chute(username="tests", name="drain", model_repository=model_repository)
    entered, release = asyncio.Event(), asyncio.Event()

    @chute.cord(public_api_path="/late", method="POST")
    async def late(self: Any) -> dict[str, Any]:
        entered.set()
        await release.wait()  # the drain is under way by now
        out = await self.triton.infer("identity", {"FLOATS": np.arange(3, dtype=np.float32)})
        return {"values": out["FLOATS_OUT"].tolist()}

    async with serve_chute(chute, grace=WAIT) as running:
        server = running.server
        assert server.triton is not None
        draining, triton_down = asyncio.Event(), asyncio.Event()
        server.add_listener(lambda ready: ready or draining.set())
        server.triton.add_listener(lambda ready: ready or triton_down.set())

        call = asyncio.ensure_future(running.http.post("/late", json={}))
        await asyncio.wait_for(entered.wait(), WAIT)
        stopping = asyncio.ensure_future(server.stop())
        await asyncio.wait_for(draining.wait(), WAIT)
        # Triton must not go down while the call is in flight (without the drain it would now).
        await asyncio.wait([asyncio.ensure_future(triton_down.wait())], timeout=QUIET)
        assert not triton_down.is_set()
        assert not stopping.done()
        release.set()

        response = await asyncio.wait_for(call, WAIT)
        assert response.status_code == 200, response.text
        assert response.json() == {"values": [0.0, 1.0, 2.0]}
        await asyncio.wait_for(stopping, WAIT + 10)
        assert triton_down.is_set()
