"""The facade both transports call: authenticate, rate-limit, take a slot, in that order."""

from __future__ import annotations

import pytest

from cordwire import Code, CordError
from cordwire.server.admission import (
    Admission,
    KeyAuthenticator,
    KeyStore,
    MemoryBucketStore,
    NoAuthAuthenticator,
    RateLimit,
    RateLimiter,
    RateLimitPolicy,
)


def _limiter(burst: int) -> RateLimiter:
    return RateLimiter(
        RateLimitPolicy(default=RateLimit(rate=1e-6, burst=burst)), MemoryBucketStore(lambda: 0.0)
    )


async def test_admit_authenticates_then_limits(store: KeyStore) -> None:
    key = store.create("alice")
    admission = Admission(KeyAuthenticator(store), rate_limiter=_limiter(burst=2))
    for _ in range(3):  # rejected callers spend nobody's budget
        with pytest.raises(CordError) as err:
            await admission.admit({"x-api-key": "cw_0123456789ab_" + "x" * 43}, "me-chat")
        assert err.value.code is Code.UNAUTHENTICATED
    assert (await admission.admit({"authorization": f"Bearer {key}"}, "me-chat")).name == "alice"
    await admission.admit({"x-api-key": key}, "me-chat")
    with pytest.raises(CordError) as err:
        await admission.admit({"x-api-key": key}, "me-chat")
    assert err.value.code is Code.RESOURCE_EXHAUSTED and err.value.reason == "rate_limit_exceeded"


async def test_slots_per_chute() -> None:
    admission = Admission(NoAuthAuthenticator(), max_in_flight={"me-small": 1})
    async with admission.slot("me-small"):
        with pytest.raises(CordError) as err:
            async with admission.slot("me-small"):
                pass
        assert err.value.reason == "capacity"
        async with admission.slot("me-other"), admission.slot("me-other"):  # unbounded
            pass
    async with admission.slot("me-small"):
        pass


async def test_one_bound_for_every_chute() -> None:
    admission = Admission(NoAuthAuthenticator(), max_in_flight=1)
    async with admission.slot("me-a"), admission.slot("me-b"):  # each chute its own count
        with pytest.raises(CordError):
            async with admission.slot("me-a"):
                pass


async def test_no_auth_without_limits_admits_everyone() -> None:
    admission = Admission(NoAuthAuthenticator())
    principal = await admission.admit({}, "me-chat")
    assert principal.name == "anonymous" and principal.key_id is None
    async with admission.slot("me-chat"):
        pass
