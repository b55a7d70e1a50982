"""Rate limits shared through a real redis-server, as several gateway replicas would share them."""

from __future__ import annotations

import time
import uuid

import pytest
import redis.asyncio

from cordwire import CordError
from cordwire.server.admission import Principal, RateLimit, RateLimiter, RateLimitPolicy, RedisBucketStore

from .conftest import free_port

ALICE = Principal(name="alice", key_id="0123456789ab", chute_id="me-chat")


@pytest.fixture
def prefix() -> str:
    return f"test:{uuid.uuid4().hex}:"  # one session-wide server; each test its own key space


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.25

    def __call__(self) -> float:
        return self.now


async def test_replicas_share_one_budget(redis_url: str, prefix: str) -> None:
    policy = RateLimitPolicy(default=RateLimit(rate=0.01, burst=5))
    # Two limiters with their own connections: two gateway processes.
    replicas = [
        RateLimiter(policy, RedisBucketStore(redis.asyncio.Redis.from_url(redis_url), prefix=prefix))
        for _ in range(2)
    ]
    outcomes = []
    for i in range(8):
        try:
            await replicas[i % 2].check(ALICE)
            outcomes.append(True)
        except CordError as err:
            assert err.headers["Retry-After"] == "100"  # 1 token at 0.01/s
            outcomes.append(False)
    assert outcomes == [True] * 5 + [False] * 3
    # Other (chute, key) pairs have their own buckets.
    await replicas[0].check(Principal(name="bob", key_id="aaaaaaaaaaaa", chute_id="me-chat"))
    for replica in replicas:
        assert isinstance(replica.store, RedisBucketStore)
        await replica.store.aclose()


async def test_refill_math_in_lua(redis_client: redis.asyncio.Redis, prefix: str) -> None:
    clock = FakeClock()
    store = RedisBucketStore(redis_client, prefix=prefix, clock=clock)
    limit = RateLimit(rate=2.0, burst=3)
    assert [await store.take("b", limit) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert await store.take("b", limit) == pytest.approx(0.5)
    clock.now += 0.25
    assert await store.take("b", limit) == pytest.approx(0.25)  # sub-second precision survives
    clock.now += 0.25
    assert await store.take("b", limit) == 0.0
    clock.now += 100
    assert [await store.take("b", limit) for _ in range(4)][-1] == pytest.approx(0.5)
    ttl = await redis_client.pttl(prefix + "b")
    assert 0 < ttl <= 2500  # idle buckets expire once they would be full again (1.5 s + slack)


async def test_server_clock_by_default(redis_client: redis.asyncio.Redis, prefix: str) -> None:
    store = RedisBucketStore(redis_client, prefix=prefix)
    limit = RateLimit(rate=0.001, burst=2)
    assert await store.take("b", limit) == 0.0
    assert await store.take("b", limit) == 0.0
    assert await store.take("b", limit) == pytest.approx(1000, rel=0.01)


async def test_unreachable_redis_fails_open_quickly(caplog: pytest.LogCaptureFixture) -> None:
    store = RedisBucketStore.from_url(f"redis://127.0.0.1:{free_port()}/0")
    limiter = RateLimiter(RateLimitPolicy(default=RateLimit(rate=1, burst=1)), store)
    started = time.monotonic()
    for _ in range(20):
        await limiter.check(ALICE)
    assert time.monotonic() - started < 2.0  # one failed attempt, then Redis is skipped for a while
    assert caplog.text.count("rate-limit store unreachable") == 1
    await store.aclose()
