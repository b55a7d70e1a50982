"""External Tritons: round-robin, failover on a dead endpoint, recovery."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator, Callable

import numpy as np
import pytest

from cordwire.server.triton import TritonProcess, TritonService
from cordwire.server.triton._process import free_port

pytestmark = pytest.mark.triton

FLOATS = {"FLOATS": np.arange(3, dtype=np.float32)}
MODELS = ("identity", "counter")


@pytest.fixture
async def two_tritons(model_repository: pathlib.Path) -> AsyncIterator[list[TritonProcess]]:
    # Fixed ports, so a relaunched server comes back at the address the external spec names.
    tritons = [TritonProcess(model_repository, MODELS, grpc_port=free_port()) for _ in range(2)]
    for triton in tritons:
        triton.launch()
    yield tritons
    await asyncio.gather(*(asyncio.to_thread(t.close) for t in tritons))


async def _until(predicate: Callable[[], bool], within: float) -> None:
    # Per-endpoint health has no event of its own: poll it against a deadline.
    for _ in range(int(within / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"not true within {within}s")


async def test_failover_and_recovery(
    two_tritons: list[TritonProcess], model_repository: pathlib.Path
) -> None:
    spec = ",".join(t.grpc_address for t in two_tritons)
    service = TritonService.from_spec(spec, model_repository)
    await service.start()
    try:
        endpoints = service._pool.endpoints  # type: ignore[union-attr]
        await _until(lambda: all(e.healthy for e in endpoints), 120)
        assert service.ready

        # One dies (SIGKILL): in-flight and following requests land on the other one.
        two_tritons[0].kill()
        results = await asyncio.gather(*(service.client.infer("identity", FLOATS) for _ in range(20)))
        assert all(r["FLOATS_OUT"].tolist() == [0, 1, 2] for r in results)
        assert not endpoints[0].healthy and endpoints[1].healthy
        assert service.ready
        values = [
            int(r["VALUE"][0])
            async for r in service.client.stream("counter", {"COUNT": np.array([2], np.int32)})
        ]
        assert values == [0, 1]

        # It comes back at the same address: the health loop puts it back in rotation.
        two_tritons[0].launch()
        await _until(lambda: endpoints[0].healthy, 120)
    finally:
        await service.stop()
