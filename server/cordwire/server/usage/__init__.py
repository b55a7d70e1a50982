"""Usage per API key and quotas: what each key spent (requests, errors, tokens, bytes, time) by
hour, chute, cord and model, read back through ``GET /v1/usage`` and `cordwire keys usage`.

Counted off the request path (an observer on every call, flushed in batches), stored in SQLite
beside the keys DB or in Redis (``--redis``) so replicas add to the same counters; quotas are a
call guard placed after admission's. What is recorded is counts and sizes, never a request's or
response's content.
"""

from ._meter import UsageMeter, UsageStore
from ._quotas import LocalQuotas, QuotaBook, RedisQuotas
from ._records import COUNTERS, RETENTION_DAYS
from ._redis import RedisUsageStore
from ._report import UsageQuery, parse_query, render
from ._setup import UsageReader, build_meter, open_store, usage_reader
from ._sqlite import SqliteUsageStore, usage_db_beside

__all__ = [
    "COUNTERS",
    "RETENTION_DAYS",
    "LocalQuotas",
    "QuotaBook",
    "RedisQuotas",
    "RedisUsageStore",
    "SqliteUsageStore",
    "UsageMeter",
    "UsageQuery",
    "UsageReader",
    "UsageStore",
    "build_meter",
    "open_store",
    "parse_query",
    "render",
    "usage_db_beside",
    "usage_reader",
]
