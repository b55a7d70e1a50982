"""Token buckets: refill math on an injected clock, policy precedence, the 429 shape."""

from __future__ import annotations

import pytest

from cordwire import Code, CordError
from cordwire.server.admission import MemoryBucketStore, Principal, RateLimit, RateLimiter, RateLimitPolicy


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


ALICE = Principal(name="alice", key_id="0123456789ab", chute_id="me-chat")


async def test_bucket_refill_math() -> None:
    clock = FakeClock()
    store = MemoryBucketStore(clock)
    limit = RateLimit(rate=2.0, burst=3)
    assert [await store.take("b", limit) for _ in range(3)] == [0.0, 0.0, 0.0]  # the burst
    assert await store.take("b", limit) == pytest.approx(0.5)  # empty: one token per 1/rate s
    clock.now += 0.25
    assert await store.take("b", limit) == pytest.approx(0.25)  # half a token so far
    clock.now += 0.25
    assert await store.take("b", limit) == 0.0
    assert await store.take("b", limit) == pytest.approx(0.5)
    clock.now += 100  # refill caps at the burst
    assert [await store.take("b", limit) for _ in range(4)][-1] == pytest.approx(0.5)
    assert await store.take("other", limit) == 0.0  # buckets are independent


async def test_clock_going_backwards_grants_nothing() -> None:
    clock = FakeClock()
    store = MemoryBucketStore(clock)
    limit = RateLimit(rate=1.0, burst=1)
    assert await store.take("b", limit) == 0.0
    clock.now -= 5
    assert await store.take("b", limit) > 0.0


async def test_429_shape_and_headers() -> None:
    clock = FakeClock()
    limiter = RateLimiter(RateLimitPolicy(default=RateLimit(rate=0.4, burst=1)), MemoryBucketStore(clock))
    await limiter.check(ALICE)
    with pytest.raises(CordError) as err:
        await limiter.check(ALICE)
    e = err.value
    assert e.code is Code.RESOURCE_EXHAUSTED and e.http_status == 429
    assert e.to_json()["error"]["type"] == "rate_limit_error"
    assert e.to_json()["error"]["code"] == "rate_limit_exceeded"
    assert e.headers == {"Retry-After": "3", "retry-after-ms": "2500"}  # 1 token at 0.4/s, ceil'd
    clock.now += 2.25
    with pytest.raises(CordError) as err:
        await limiter.check(ALICE)
    assert err.value.headers == {"Retry-After": "1", "retry-after-ms": "250"}  # never Retry-After: 0
    clock.now += 0.25
    await limiter.check(ALICE)


async def test_policy_precedence_and_bucket_per_chute_and_key() -> None:
    policy = RateLimitPolicy(
        default=RateLimit(rate=1, burst=1),
        per_chute={"me-big": RateLimit(rate=1, burst=3)},
        per_key={"vip": RateLimit(rate=1, burst=5)},
    )
    limiter = RateLimiter(policy, MemoryBucketStore(FakeClock()))

    async def admitted(principal: Principal, n: int = 10) -> int:
        for i in range(n):
            try:
                await limiter.check(principal)
            except CordError:
                return i
        return n

    assert await admitted(ALICE) == 1
    assert await admitted(Principal(name="alice", key_id="0123456789ab", chute_id="me-big")) == 3
    assert await admitted(Principal(name="vip", key_id="ffffffffffff", chute_id="me-big")) == 5
    assert await admitted(Principal(name="bob", key_id="aaaaaaaaaaaa", chute_id="me-chat")) == 1
    assert await admitted(Principal(name="anonymous", key_id=None, chute_id="me-chat")) == 1


async def test_unlimited_without_policy() -> None:
    limiter = RateLimiter(RateLimitPolicy())
    for _ in range(100):
        await limiter.check(ALICE)


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (float("inf"), 1), (1, 0)])
def test_invalid_limits(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        RateLimit(rate=rate, burst=burst)
