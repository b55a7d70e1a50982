"""Concurrency admission: reject at the bound instead of queueing."""

from __future__ import annotations

import asyncio

import pytest

from cordwire import Code, CordError
from cordwire.server.admission import ConcurrencyLimiter


async def test_slot_rejects_beyond_bound_and_frees_on_exit() -> None:
    limiter = ConcurrencyLimiter(2, chute_id="me-chat")
    release = asyncio.Event()

    async def call() -> None:
        async with limiter.slot():
            await release.wait()

    running = [asyncio.create_task(call()) for _ in range(2)]
    await asyncio.sleep(0)  # let both enter
    assert limiter.in_flight == 2
    with pytest.raises(CordError) as err:
        async with limiter.slot():
            pytest.fail("admitted past the bound")
    assert err.value.code is Code.RESOURCE_EXHAUSTED and err.value.http_status == 429
    assert err.value.reason == "capacity" and "me-chat" in err.value.message
    assert err.value.headers == {"Retry-After": "1", "retry-after-ms": "1000"}
    assert limiter.in_flight == 2  # the rejected call took nothing

    release.set()
    await asyncio.gather(*running)
    assert limiter.in_flight == 0
    async with limiter.slot():
        assert limiter.in_flight == 1


async def test_slot_freed_when_call_fails() -> None:
    limiter = ConcurrencyLimiter(1)
    with pytest.raises(ValueError):
        async with limiter.slot():
            raise ValueError("handler failed")
    async with limiter.slot():
        pass
    assert limiter.in_flight == 0


def test_bound_must_be_positive() -> None:
    with pytest.raises(ValueError):
        ConcurrencyLimiter(0)
