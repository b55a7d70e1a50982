"""Retries against a real gateway: attempts counted by the chute, waits recorded by the client."""

from __future__ import annotations

import asyncio
import email.utils
import itertools

import httpx
import pytest

from cordwire_client import (
    APIConnectionError,
    AsyncClient,
    Client,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServiceUnavailableError,
)

from .conftest import Sleeps

_scenarios = itertools.count()


def scenario(**fields: object) -> dict[str, object]:
    """A Flaky request under a name no other test uses."""
    return {"scenario": f"s{next(_scenarios)}", **fields}


def no_jitter(cap: float) -> float:
    return cap  # the top of the full-jitter range, so the exponential caps show


def client(asgi: httpx.ASGITransport, sleeps: Sleeps, **kwargs: object) -> AsyncClient:
    return AsyncClient("http://testserver", transport=asgi, sleep=sleeps.async_, **kwargs)  # type: ignore[arg-type]


async def test_retry_after_ms_is_honoured(asgi: httpx.ASGITransport, sleeps: Sleeps) -> None:
    async with client(asgi, sleeps) as c:
        request = scenario(failures=2, code="RESOURCE_EXHAUSTED", retry_after_ms="250", retry_after="9")
        reply = await c.call("/v1/flaky", request)
    assert reply == {"attempts": 3}
    # retry-after-ms is the more precise of the two and wins.
    assert sleeps.waits == [0.25, 0.25]


async def test_retry_after_seconds_is_honoured(asgi: httpx.ASGITransport, sleeps: Sleeps) -> None:
    async with client(asgi, sleeps) as c:
        reply = await c.call("/v1/flaky", scenario(failures=1, code="UNAVAILABLE", retry_after="2"))
    assert reply == {"attempts": 2}
    assert sleeps.waits == [2.0]


async def test_retry_after_http_date_reads_the_clock(asgi: httpx.ASGITransport, sleeps: Sleeps) -> None:
    now = 1_800_000_000.0
    date = email.utils.formatdate(now + 3, usegmt=True)
    async with client(asgi, sleeps, clock=lambda: now) as c:
        await c.call("/v1/flaky", scenario(failures=1, code="RESOURCE_EXHAUSTED", retry_after=date))
    assert sleeps.waits == [3.0]


async def test_backoff_doubles_up_to_the_cap(asgi: httpx.ASGITransport, sleeps: Sleeps) -> None:
    policy = RetryPolicy(max_retries=5, initial_delay=0.5, max_delay=3.0, jitter=no_jitter)
    async with client(asgi, sleeps, retry=policy) as c:
        reply = await c.call("/v1/flaky", scenario(failures=5, code="UNAVAILABLE"))
    assert reply == {"attempts": 6}
    assert sleeps.waits == [0.5, 1.0, 2.0, 3.0, 3.0]


async def test_full_jitter_draws_below_the_cap(asgi: httpx.ASGITransport, sleeps: Sleeps) -> None:
    caps: list[float] = []

    def jitter(cap: float) -> float:
        caps.append(cap)
        return cap / 4

    async with client(asgi, sleeps, retry=RetryPolicy(jitter=jitter)) as c:
        await c.call("/v1/flaky", scenario(failures=2, code="RESOURCE_EXHAUSTED"))
    assert caps == [0.5, 1.0]
    assert sleeps.waits == [0.125, 0.25]


async def test_default_jitter_stays_in_range(asgi: httpx.ASGITransport, sleeps: Sleeps) -> None:
    async with client(asgi, sleeps, retry=RetryPolicy(max_retries=3)) as c:
        await c.call("/v1/flaky", scenario(failures=3, code="UNAVAILABLE"))
    assert len(sleeps.waits) == 3
    assert all(0 <= wait <= cap for wait, cap in zip(sleeps.waits, [0.5, 1.0, 2.0], strict=True))


async def test_gives_up_after_max_retries(asgi: httpx.ASGITransport, sleeps: Sleeps) -> None:
    async with client(asgi, sleeps, retry=RetryPolicy(max_retries=2)) as c:
        request = scenario(failures=3, code="RESOURCE_EXHAUSTED", retry_after="1")
        with pytest.raises(RateLimitError) as caught:
            await c.call("/v1/flaky", request)
        assert sleeps.waits == [1.0, 1.0]
        # The fourth call is the first the chute lets through: three attempts were made.
        assert await AsyncClient("http://testserver", transport=asgi).call("/v1/flaky", request) == {
            "attempts": 4
        }
    error = caught.value
    assert error.status == 429
    assert error.code == "resource_exhausted"
    assert error.type == "rate_limit_error"
    assert error.headers["retry-after"] == "1"


async def test_a_retry_after_beyond_the_limit_is_not_waited(
    asgi: httpx.ASGITransport, sleeps: Sleeps
) -> None:
    async with client(asgi, sleeps, retry=RetryPolicy(max_retry_after=30)) as c:
        with pytest.raises(ServiceUnavailableError):
            await c.call("/v1/flaky", scenario(failures=1, code="UNAVAILABLE", retry_after="120"))
    assert sleeps.waits == []


async def test_other_errors_are_not_retried(asgi: httpx.ASGITransport, sleeps: Sleeps) -> None:
    async with client(asgi, sleeps) as c:
        with pytest.raises(NotFoundError):
            await c.call("/v1/flaky", scenario(failures=1, code="NOT_FOUND"))
    assert sleeps.waits == []


async def test_retries_disabled(asgi: httpx.ASGITransport, sleeps: Sleeps) -> None:
    async with client(asgi, sleeps, retry=RetryPolicy(max_retries=0)) as c:
        with pytest.raises(RateLimitError):
            await c.call("/v1/flaky", scenario(failures=1, code="RESOURCE_EXHAUSTED"))
    assert sleeps.waits == []


class RefusingFirst(httpx.AsyncBaseTransport):
    """Refuses the first ``n`` connections, as a restarting server does, then passes calls on."""

    def __init__(self, inner: httpx.AsyncBaseTransport, n: int) -> None:
        self.inner = inner
        self.left = n

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.left > 0:
            self.left -= 1
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


async def test_connection_errors_are_retried(asgi: httpx.ASGITransport, sleeps: Sleeps) -> None:
    transport = RefusingFirst(asgi, 2)
    policy = RetryPolicy(jitter=no_jitter)
    async with AsyncClient("http://testserver", transport=transport, sleep=sleeps.async_, retry=policy) as c:
        assert await c.call("/v1/flaky", scenario(failures=0, code="UNAVAILABLE")) == {"attempts": 1}
    assert sleeps.waits == [0.5, 1.0]


async def test_connection_errors_end_as_api_connection_error(sleeps: Sleeps) -> None:
    # A port that was free a moment ago: nothing listens there.
    async with AsyncClient("http://127.0.0.1:9", sleep=sleeps.async_, timeout=2.0) as c:
        with pytest.raises(APIConnectionError):
            await c.call("/v1/whoami")
    assert len(sleeps.waits) == 2


async def test_the_blocking_client_retries_over_a_socket(http_url: str, sleeps: Sleeps) -> None:
    def call() -> dict[str, object]:
        with Client(http_url, sleep=sleeps) as c:
            return c.call("/v1/flaky", scenario(failures=2, code="RESOURCE_EXHAUSTED", retry_after_ms="10"))

    assert await asyncio.to_thread(call) == {"attempts": 3}
    assert sleeps.waits == [0.01, 0.01]
