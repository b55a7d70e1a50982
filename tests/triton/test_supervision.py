"""The embedded Triton comes back by itself after being SIGKILLed."""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import numpy as np
import pytest

from cordwire import Code, CordError
from cordwire.server.triton import TritonService

pytestmark = pytest.mark.triton

FLOATS = {"FLOATS": np.arange(3, dtype=np.float32)}


async def test_killed_triton_is_unavailable_then_recovers(triton: TritonService) -> None:
    assert triton.embedded is not None and triton.supervisor is not None
    changes: asyncio.Queue[bool] = asyncio.Queue()
    triton.add_listener(changes.put_nowait)
    old_pid = triton.embedded.pid
    assert old_pid is not None
    launches = triton.supervisor.launches

    os.kill(old_pid, signal.SIGKILL)
    assert await asyncio.wait_for(changes.get(), 10) is False
    assert not triton.ready
    with pytest.raises(CordError) as caught:
        await triton.client.infer("identity", FLOATS)
    assert caught.value.code is Code.UNAVAILABLE
    assert caught.value.headers["Retry-After"] == "1"

    assert await asyncio.wait_for(changes.get(), 60) is True
    await triton.wait_ready(timeout=0)
    assert triton.supervisor.launches == launches + 1
    assert triton.embedded.pid != old_pid
    out = await triton.client.infer("identity", FLOATS)
    assert out["FLOATS_OUT"].tolist() == [0, 1, 2]


async def test_triton_that_logs_a_fatal_signal_is_replaced(triton: TritonService) -> None:
    # Triton 2.51 sometimes hangs in its own crash handler: the process lives on and passes health
    # checks while streams never finish. The log line is the only sign, so it alone must trigger a
    # restart. The model prints the line here; Triton itself is healthy, which is the point.
    assert triton.embedded is not None and triton.supervisor is not None
    await triton.wait_ready(timeout=60)
    changes: asyncio.Queue[bool] = asyncio.Queue()
    triton.add_listener(changes.put_nowait)
    old_pid = triton.embedded.pid
    launches = triton.supervisor.launches

    await triton.client.infer("identity", FLOATS, parameters={"say": "Signal (6) received."})
    assert await asyncio.wait_for(changes.get(), 10) is False
    assert await asyncio.wait_for(changes.get(), 60) is True
    assert triton.supervisor.launches == launches + 1
    assert triton.embedded.pid != old_pid
    assert not triton.embedded.crashed
    out = await triton.client.infer("identity", FLOATS)
    assert out["FLOATS_OUT"].tolist() == [0, 1, 2]


async def test_triton_that_had_served_is_restarted_without_growing_backoff(
    triton: TritonService, caplog: pytest.LogCaptureFixture
) -> None:
    # Crashes after serving are fresh failures (Triton 2.51 dies on some cancellations under
    # load): each restart waits the base backoff, where a crash loop at start-up would double it.
    assert triton.embedded is not None and triton.supervisor is not None
    supervisor = triton.supervisor
    stable_after, supervisor.stable_after = supervisor.stable_after, 0.0
    changes: asyncio.Queue[bool] = asyncio.Queue()
    triton.add_listener(changes.put_nowait)
    caplog.set_level(logging.WARNING, logger="cordwire.triton")
    try:
        await triton.wait_ready(timeout=60)
        for _ in range(2):
            pid = triton.embedded.pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            assert await asyncio.wait_for(changes.get(), 10) is False
            assert await asyncio.wait_for(changes.get(), 60) is True
    finally:
        supervisor.stable_after = stable_after
    waits = [r.getMessage() for r in caplog.records if r.getMessage().startswith("restarting Triton")]
    assert waits == [f"restarting Triton in {supervisor.backoff:.1f}s"] * 2
