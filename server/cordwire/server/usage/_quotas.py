"""Quota books: how much of its window's quota each key has spent, kept here or in Redis.

Requests are counted at admission (and a call over quota is refused, not counted); tokens are
known only when a call ends, so a call may take a key past its token quota, and the next one is
refused. With Redis, the admission check and the request count are one atomic script, so replicas
enforce one quota between them; tokens reach Redis with each flush (about a second).

A window's book starts from the usage already recorded in it (``seed``), so a quota set on a key
in mid-window, or a restart, counts what the key spent before.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError

from cordwire import Code, CordError
from cordwire.server.admission import Principal, Quota

from ._records import COUNTERS

__all__ = ["LocalQuotas", "QuotaBook", "RedisQuotas", "quota_exceeded"]

_log = logging.getLogger("cordwire.usage")
_TOKENS = (COUNTERS.index("prompt_tokens"), COUNTERS.index("completion_tokens"))

WindowId = tuple[str, str, int]
"""(key id, window name, window start)."""


Seed = Callable[[str, int, int], Awaitable[list[int]]]
"""(key id, start, end) → the usage totals recorded in [start, end), in COUNTERS order."""


class QuotaBook(Protocol):
    async def admit(
        self, principal: Principal, quota: Quota, now: float, seed: Seed
    ) -> tuple[int, int] | None:
        """Count one request and return None, or return (requests, tokens) spent when over quota."""
        ...

    def spend_tokens(self, key_id: str, quota: Quota, now: float, tokens: int) -> None:
        """A call of ``key_id`` used ``tokens`` (not awaited: the end of a call never waits)."""
        ...

    async def flush(self) -> None: ...


def _over(quota: Quota, requests: int, tokens: int) -> bool:
    return (quota.requests is not None and requests >= quota.requests) or (
        quota.tokens is not None and tokens >= quota.tokens
    )


class LocalQuotas:
    """Spent amounts in this process, seeded from the usage store on a window's first call.

    Without Redis, each process enforces on its own (what other processes spent after the seed is
    not seen); `--redis` makes replicas share one book.
    """

    _PRUNE_AT = 10_000

    def __init__(self) -> None:
        self._spent: dict[WindowId, list[int]] = {}

    async def admit(
        self, principal: Principal, quota: Quota, now: float, seed: Seed
    ) -> tuple[int, int] | None:
        key_id = principal.key_id or ""
        start, end = quota.bounds(now)
        ident = (key_id, quota.window, start)
        entry = self._spent.get(ident)
        if entry is None:  # the window's first call here: no await at all on every later one
            totals = await seed(key_id, start, end)
            entry = self._spent.setdefault(ident, [totals[0], totals[_TOKENS[0]] + totals[_TOKENS[1]]])
            if len(self._spent) > self._PRUNE_AT:
                self._spent = {k: v for k, v in self._spent.items() if k[2] >= start - 32 * 86400}
        if _over(quota, entry[0], entry[1]):
            return entry[0], entry[1]
        entry[0] += 1
        return None

    def spend_tokens(self, key_id: str, quota: Quota, now: float, tokens: int) -> None:
        entry = self._spent.get((key_id, quota.window, quota.bounds(now)[0]))
        if entry is not None:
            entry[1] += tokens

    async def flush(self) -> None:
        return None


# Check and count in one step, atomically across replicas. ARGV: request limit, token limit (-1:
# none), expiry (unix s), tokens this replica spent but has not flushed yet, and the window's seed
# (requests, tokens; "" when not read yet: a window not started answers {-1} to ask for it).
_ADMIT = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[5] == '' then return {-1, 0, 0} end
  redis.call('HSETNX', KEYS[1], 'requests', ARGV[5])
  redis.call('HSETNX', KEYS[1], 'tokens', ARGV[6])
end
local requests = tonumber(redis.call('HGET', KEYS[1], 'requests') or '0')
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or '0') + tonumber(ARGV[4])
local max_requests, max_tokens = tonumber(ARGV[1]), tonumber(ARGV[2])
if (max_requests >= 0 and requests >= max_requests) or (max_tokens >= 0 and tokens >= max_tokens) then
  return {0, requests, tokens}
end
redis.call('HINCRBY', KEYS[1], 'requests', 1)
redis.call('EXPIREAT', KEYS[1], ARGV[3])
return {1, requests + 1, tokens}
"""


class RedisQuotas:
    """Spent amounts in Redis hashes ``{prefix}{key_id}:{window}:{start}``, shared by replicas.

    If Redis fails, calls are admitted (fail open, as the rate limiter does) and a warning logged,
    at most once per ``outage_backoff`` seconds of skipped checks.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "cordwire:quota:",
        outage_backoff: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self.outage_backoff = outage_backoff
        self._monotonic = monotonic
        self._script = client.register_script(_ADMIT)
        self._pending: dict[tuple[str, int], int] = {}  # (hash name, expiry) -> tokens to add
        self._down_until = -1e9

    def _name(self, key_id: str, quota: Quota, now: float) -> tuple[str, int]:
        start, end = quota.bounds(now)
        return f"{self.prefix}{key_id}:{quota.window}:{start}", end + 86400

    async def admit(
        self, principal: Principal, quota: Quota, now: float, seed: Seed
    ) -> tuple[int, int] | None:
        if self._monotonic() < self._down_until:
            return None
        key_id = principal.key_id or ""
        name, expiry = self._name(key_id, quota, now)
        args = [_limit(quota.requests), _limit(quota.tokens), expiry, self._pending.get((name, expiry), 0)]
        try:
            ok, requests, tokens = await self._script(keys=[name], args=[*args, "", ""])
            if ok == -1:
                start, end = quota.bounds(now)
                totals = await seed(key_id, start, end)
                seeded = [totals[0], totals[_TOKENS[0]] + totals[_TOKENS[1]]]
                ok, requests, tokens = await self._script(keys=[name], args=[*args, *seeded])
        except (RedisError, OSError) as exc:
            self._down_until = self._monotonic() + self.outage_backoff
            _log.warning("quota store unreachable; admitting calls for %gs: %s", self.outage_backoff, exc)
            return None
        return None if ok else (int(requests), int(tokens))

    def spend_tokens(self, key_id: str, quota: Quota, now: float, tokens: int) -> None:
        ident = self._name(key_id, quota, now)
        self._pending[ident] = self._pending.get(ident, 0) + tokens

    async def flush(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        try:
            async with self.client.pipeline(transaction=False) as pipe:
                for (name, expiry), tokens in pending.items():
                    pipe.hincrby(name, "tokens", tokens)
                    pipe.expireat(name, expiry)
                await pipe.execute()
        except (RedisError, OSError):
            for ident, tokens in pending.items():  # kept for the next flush
                self._pending[ident] = self._pending.get(ident, 0) + tokens
            raise


def _limit(value: int | None) -> int:
    return -1 if value is None else value


def quota_exceeded(principal: Principal, quota: Quota, spent: tuple[int, int], now: float) -> CordError:
    """429 ``quota_exceeded`` with Retry-After until the window resets."""
    requests, tokens = spent
    if quota.requests is not None and requests >= quota.requests:
        what = f"{requests} of {quota.requests} requests"
    else:
        what = f"{tokens} of {quota.tokens} tokens"
    reset = quota.bounds(now)[1]
    wait = max(1, math.ceil(reset - now))
    when = dt.datetime.fromtimestamp(reset, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return CordError(
        Code.RESOURCE_EXHAUSTED,
        f"Quota of API key {principal.name!r} used up: {what} this {quota.window} (UTC); "
        f"it resets at {when}.",
        error_type="insufficient_quota",
        reason="quota_exceeded",
        headers={"Retry-After": str(wait), "retry-after-ms": str(wait * 1000)},
    )
