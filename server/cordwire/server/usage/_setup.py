"""Assembling a meter from `cordwire serve`'s options, and the reader behind `GET /v1/usage`."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from cordwire import Code, CordError
from cordwire.server.admission import Principal

from ._meter import UsageMeter, UsageStore
from ._quotas import LocalQuotas, QuotaBook, RedisQuotas
from ._report import parse_query, render
from ._sqlite import SqliteUsageStore, usage_db_beside

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

__all__ = ["UsageReader", "build_meter", "open_store", "usage_reader"]

_log = logging.getLogger("cordwire.usage")

UsageReader = Callable[[Mapping[str, str], str], Awaitable[dict[str, Any]]]
"""(call metadata, query string) → the ``/v1/usage`` answer, or CordError 400/401/403/429."""


def open_store(keys_db: str | os.PathLike[str], redis_url: str | None = None) -> UsageStore:
    """Redis when ``redis_url`` is given (shared by replicas), else the SQLite file beside the keys."""
    if redis_url:
        from ._redis import RedisUsageStore

        return RedisUsageStore(_redis_client(redis_url))
    return SqliteUsageStore(usage_db_beside(keys_db))


def build_meter(
    keys_db: str | os.PathLike[str],
    redis_url: str | None = None,
    *,
    registry: CollectorRegistry | None = None,
    flush_interval: float = 1.0,
) -> UsageMeter:
    store = open_store(keys_db, redis_url)
    quotas: QuotaBook = RedisQuotas(_redis_client(redis_url)) if redis_url else LocalQuotas()
    return UsageMeter(store, quotas, registry=registry, flush_interval=flush_interval)


def _redis_client(url: str) -> Any:
    import redis.asyncio as redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    # Quota checks sit on the call path: short timeouts and one quick retry, as for rate limits.
    return redis.Redis.from_url(
        url, socket_timeout=0.5, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 1)
    )


def usage_reader(
    meter: UsageMeter, authenticate: Callable[[Mapping[str, str]], Awaitable[Principal]]
) -> UsageReader:
    """The caller's own usage only: the key that asks is the key whose rows are read."""

    async def read(metadata: Mapping[str, str], query_string: str) -> dict[str, Any]:
        principal = await authenticate(metadata)
        query = parse_query(query_string, meter.clock())
        if principal.key_id is None:  # --no-auth: nobody is metered
            return render((), query)
        try:
            rows = await meter.rows(principal.key_id, query.start, query.end)
        except (OSError, sqlite3.Error, RedisError) as exc:  # the store, not the caller, failed
            _log.warning("usage store unreachable: %s", exc)
            raise CordError(
                Code.UNAVAILABLE, "usage records are unavailable right now", headers={"Retry-After": "5"}
            ) from None
        return render(rows, query)

    return read
