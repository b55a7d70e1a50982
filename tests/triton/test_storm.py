"""A storm of streams abandoned mid-generation: every model still serves, nothing is left behind.

Triton 2.51's gRPC frontend died of a SIGSEGV within 2,000 such streams (RELIABILITY.md); the
in-process C API path never touches it.
"""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import Callable

import numpy as np
import pytest

from cordwire.server.triton import TritonService
from cordwire.server.triton._buffers import live_buffers
from cordwire.server.triton._calls import in_flight

pytestmark = pytest.mark.triton

STREAMS = 2_000
AT_ONCE = 64
ENDLESS = {"COUNT": np.array([1_000_000], np.int32), "DELAY_MS": np.array([1], np.int32)}


async def _until(predicate: Callable[[], bool], within: float) -> bool:
    # Triton finishes cancelled requests on its own threads; there is no event to await.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def test_abandoned_streams_leave_every_model_serving(
    triton: TritonService, tmp_path: pathlib.Path
) -> None:
    gate = asyncio.Semaphore(AT_ONCE)
    marker = tmp_path / "cancelled"

    async def abandon(index: int) -> None:
        parameters = {"marker": str(marker)} if index == STREAMS - 1 else None
        async with gate:
            stream = triton.client.stream("counter", ENDLESS, parameters=parameters)
            async for response in stream:
                if int(response["VALUE"][0]) == 1:  # mid-generation: the model goes on for 1,000,000
                    break
            await stream.aclose()

    async with asyncio.timeout(180):
        await asyncio.gather(*(abandon(i) for i in range(STREAMS)))

    out = await triton.client.infer("identity", {"FLOATS": np.arange(3, dtype=np.float32)})
    assert out["FLOATS_OUT"].tolist() == [0, 1, 2]
    values = [
        int(r["VALUE"][0]) async for r in triton.client.stream("counter", {"COUNT": np.array([3], np.int32)})
    ]
    assert values == [0, 1, 2]
    assert await _until(marker.exists, 10), "the last abandoned stream's model never saw is_cancelled()"
    assert await _until(lambda: in_flight() == 0 and live_buffers() == 0, 30), (in_flight(), live_buffers())
