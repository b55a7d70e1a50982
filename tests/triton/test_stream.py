"""Decoupled streaming and cancellation reaching the model."""

from __future__ import annotations

import asyncio
import pathlib

import numpy as np
import pytest

from cordwire import Code, CordError
from cordwire.server.triton import TritonService

pytestmark = pytest.mark.triton


def _count(n: int, delay_ms: int = 0) -> dict[str, np.ndarray]:
    return {"COUNT": np.array([n], np.int32), "DELAY_MS": np.array([delay_ms], np.int32)}


async def _appears(path: pathlib.Path, within: float = 10.0) -> bool:
    # The model writes the marker from its own process: poll with a deadline.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if await asyncio.to_thread(path.exists):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_stream_yields_every_response_but_not_the_empty_final(triton: TritonService) -> None:
    values = [int(r["VALUE"][0]) async for r in triton.client.stream("counter", _count(5))]
    assert values == [0, 1, 2, 3, 4]


async def test_zero_responses(triton: TritonService) -> None:
    assert [r async for r in triton.client.stream("counter", _count(0))] == []


async def test_closing_the_stream_cancels_the_model(triton: TritonService, tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "cancelled"
    stream = triton.client.stream("counter", _count(10_000, 20), parameters={"marker": str(marker)})
    seen = []
    async for response in stream:
        seen.append(int(response["VALUE"][0]))
        if len(seen) == 3:
            break
    await stream.aclose()
    assert seen == [0, 1, 2]
    assert await _appears(marker), "the model never saw is_cancelled()"


async def test_cancelling_the_task_cancels_the_model(triton: TritonService, tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "cancelled"
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in triton.client.stream(
            "counter", _count(10_000, 20), parameters={"marker": str(marker)}
        ):
            first.set()

    task = asyncio.create_task(consume())
    await first.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _appears(marker), "the model never saw is_cancelled()"


async def test_stream_bad_input_is_invalid_argument(triton: TritonService) -> None:
    with pytest.raises(CordError) as caught:
        async for _ in triton.client.stream("counter", {"COUNT": np.array([1.0], np.float32)}):
            pass
    assert caught.value.code is Code.INVALID_ARGUMENT


async def test_stream_unknown_model_is_not_found(triton: TritonService) -> None:
    with pytest.raises(CordError) as caught:
        async for _ in triton.client.stream("no_such_model", _count(1)):
            pass
    assert caught.value.code is Code.NOT_FOUND
