"""Rate limits: a token bucket per (chute, key), in process or shared through Redis."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from cordwire import Code, CordError
from cordwire._errors import DefinitionError

from ._auth import Principal

__all__ = ["BucketStore", "MemoryBucketStore", "RateLimit", "RateLimitPolicy", "RateLimiter"]

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimit:
    """A token bucket's shape."""

    rate: float
    """Sustained requests per second (tokens added per second)."""
    burst: int
    """Bucket capacity: requests allowed back to back after an idle spell."""

    def __post_init__(self) -> None:
        if not (self.rate > 0 and math.isfinite(self.rate)) or self.burst < 1:
            raise DefinitionError(f"a rate limit needs rate > 0 and burst >= 1, not {self}")


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimitPolicy:
    """Which limit applies to a call; the most specific one wins: key, then chute, then default."""

    default: RateLimit | None = None
    """For chutes and keys with no entry below; None means unlimited."""
    per_chute: Mapping[str, RateLimit] = field(default_factory=dict)
    """By chute id (``{username}-{name}``)."""
    per_key: Mapping[str, RateLimit] = field(default_factory=dict)
    """By key name, overriding the chute's limit on every chute the key calls."""

    def limit_for(self, principal: Principal) -> RateLimit | None:
        return self.per_key.get(principal.name) or self.per_chute.get(principal.chute_id) or self.default


class BucketStore(Protocol):
    async def take(self, bucket: str, limit: RateLimit) -> float:
        """Take one token from ``bucket``: 0.0 if taken, else the seconds until one is available."""
        ...


class MemoryBucketStore:
    """Buckets in this process's memory: right for a single gateway, not for replicas."""

    _PRUNE_AT = 10_000

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # bucket -> (tokens, updated at)
        self._lock = threading.Lock()  # the gRPC server and the gateway may run on different threads

    async def take(self, bucket: str, limit: RateLimit) -> float:
        with self._lock:
            now = self._clock()
            tokens, updated = self._buckets.get(bucket, (float(limit.burst), now))
            tokens = min(float(limit.burst), tokens + max(0.0, now - updated) * limit.rate)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / limit.rate
            self._buckets[bucket] = (tokens - 1.0 if wait == 0.0 else tokens, max(now, updated))
            if len(self._buckets) > self._PRUNE_AT:
                self._prune(now, limit)
            return wait

    def _prune(self, now: float, limit: RateLimit) -> None:
        # A bucket idle long enough to have refilled is indistinguishable from a missing one.
        idle = limit.burst / limit.rate
        self._buckets = {b: s for b, s in self._buckets.items() if now - s[1] < idle}


class RateLimiter:
    """Applies a :class:`RateLimitPolicy` to admitted callers."""

    def __init__(self, policy: RateLimitPolicy, store: BucketStore | None = None) -> None:
        self.policy = policy
        self.store: BucketStore = store or MemoryBucketStore()

    async def check(self, principal: Principal) -> None:
        """Spend one request of the caller's budget, or raise RESOURCE_EXHAUSTED (429)."""
        limit = self.policy.limit_for(principal)
        if limit is None:
            return
        # Key ids never contain ':', so the bucket name splits unambiguously at its last ':'.
        wait = await self.store.take(f"{principal.chute_id}:{principal.key_id or principal.name}", limit)
        if wait > 0.0:
            raise CordError(
                Code.RESOURCE_EXHAUSTED,
                f"Rate limit reached for chute {principal.chute_id!r}: {limit.rate:g} requests/s, "
                f"burst {limit.burst}. Retry in {wait:.3f}s.",
                error_type="rate_limit_error",
                reason="rate_limit_exceeded",
                # Retry-After takes whole seconds (RFC 9110); the OpenAI SDKs prefer retry-after-ms.
                headers={
                    "Retry-After": str(max(1, math.ceil(wait))),
                    "retry-after-ms": str(math.ceil(round(wait * 1000, 6))),
                },
            )
