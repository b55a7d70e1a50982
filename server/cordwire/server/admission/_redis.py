"""A token-bucket store in Redis, so every gateway replica spends from the same budget."""

from __future__ import annotations

import logging
import time

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from ._ratelimit import Clock, RateLimit

__all__ = ["RedisBucketStore"]

_log = logging.getLogger("cordwire.admission")

# Read-refill-take-write in one script: Redis runs a script atomically, so two replicas can never
# both spend the last token. Time comes from the Redis server (one clock for every replica) unless
# the caller passes one (tests). Numbers travel as strings: Lua's integer replies would truncate.
_TAKE = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens, ts = tonumber(state[1]), tonumber(state[2])
if tokens == nil or ts == nil then tokens, ts = burst, now end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate)
  ts = now
end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.17g', ts))
-- Once full again the bucket equals a missing one: let it expire so idle keys cost no memory.
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return string.format('%.17g', wait)
"""


class RedisBucketStore:
    """Token buckets as Redis hashes under ``prefix``, updated by one atomic Lua script.

    If Redis fails, calls are admitted (fail open) and a warning is logged: rate limits protect
    fairness, and authentication does not depend on Redis. After a failure the store skips Redis for
    ``outage_backoff`` seconds, so an outage costs one timeout per second, not one per call.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "cordwire:ratelimit:",
        clock: Clock | None = None,
        outage_backoff: float = 1.0,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.outage_backoff = outage_backoff
        self._clock = clock
        self._script = client.register_script(_TAKE)
        self._down_until = -1e9

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str = "cordwire:ratelimit:", timeout: float = 0.25
    ) -> RedisBucketStore:
        """E.g. ``redis://127.0.0.1:6379/0``, with timeouts fit for a per-call check.

        redis-py's defaults (no socket timeout, retries with backoff) would let a sick Redis stall
        every call for seconds; one quick retry bounds that.
        """
        client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 1)
        )
        return cls(client, prefix=prefix)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def take(self, bucket: str, limit: RateLimit) -> float:
        if time.monotonic() < self._down_until:
            return 0.0
        now = "" if self._clock is None else repr(self._clock())
        try:
            reply = await self._script(keys=[self.prefix + bucket], args=[repr(limit.rate), limit.burst, now])
        except (RedisError, OSError) as exc:
            self._down_until = time.monotonic() + self.outage_backoff
            _log.warning(
                "rate-limit store unreachable; admitting calls unlimited for %gs: %s",
                self.outage_backoff,
                exc,
            )
            return 0.0
        return float(reply)
