"""The stores on their own: the keys DB migration, SQLite and Redis usage rows, Redis quota books."""

from __future__ import annotations

import pathlib
import sqlite3
import time

import pytest
import redis.asyncio

from cordwire.server.admission import KeyStore, Principal, Quota
from cordwire.server.usage import COUNTERS, RedisQuotas, RedisUsageStore, SqliteUsageStore

HOUR = 3600
NOW = (int(time.time()) // HOUR) * HOUR


def test_a_keys_db_from_before_quotas_opens_and_stays_usable_by_old_code(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "keys.db"
    with KeyStore(path) as store:
        key = store.create("old")
    with sqlite3.connect(path) as db:  # as a cordwire from before quotas left it
        db.execute("DROP TABLE key_quotas")
    with KeyStore(path) as store:
        info = store.verify(key)
        assert info is not None and info.name == "old" and info.quota is None
        assert store.set_quota("old", Quota(requests=5))
        assert store.get("old") == store.list()[0] and store.list()[0].quota == Quota(requests=5)
    with sqlite3.connect(path) as db:  # an old cordwire's positional insert still fits the table
        db.execute(
            "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, NULL)", ("older", "0" * 12, b"s", b"d", "[]", 1.0)
        )
    with KeyStore(path) as store:
        assert [i.name for i in store.list()] == ["older", "old"]


def test_quota_values_are_checked() -> None:
    with pytest.raises(ValueError, match="window"):
        Quota(requests=1, window="week")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=">= 0"):
        Quota(tokens=-1)


def _row(key: str, hour: int, requests: int, tokens: int) -> tuple[tuple[str, int, str, str, str], list[int]]:
    counts = [0] * len(COUNTERS)
    counts[COUNTERS.index("requests")] = requests
    counts[COUNTERS.index("completion_tokens")] = tokens
    return (key, hour, "c-hute", "Cord", "m"), counts


async def test_sqlite_rows_add_up_and_delete(tmp_path: pathlib.Path) -> None:
    store = SqliteUsageStore(tmp_path / "keys.usage.db")
    await store.add([_row("k1", NOW, 1, 5), _row("k2", NOW, 7, 0)])
    await store.add([_row("k1", NOW, 2, 5), _row("k1", NOW - HOUR, 1, 1)])
    assert sorted(await store.query("k1", NOW - HOUR, NOW + HOUR)) == [
        _row("k1", NOW - HOUR, 1, 1),
        _row("k1", NOW, 3, 10),
    ]
    assert await store.query("k1", NOW, NOW + HOUR) == [_row("k1", NOW, 3, 10)]
    assert await store.delete("k1") == 2
    assert await store.query("k1", 0, NOW + HOUR) == []
    assert (await store.totals("k2", 0, NOW + HOUR))[0] == 7
    await store.aclose()


async def test_redis_rows_from_two_replicas_add_up_expire_and_delete(redis_url: str) -> None:
    one = RedisUsageStore(redis.asyncio.Redis.from_url(redis_url), prefix="t:usage:")
    two = RedisUsageStore(redis.asyncio.Redis.from_url(redis_url), prefix="t:usage:")
    await one.add([_row("k1", NOW, 1, 5)])
    await two.add([_row("k1", NOW, 2, 5), _row("k1", NOW - HOUR, 1, 1)])
    assert sorted(await one.query("k1", NOW - HOUR, NOW + HOUR)) == [
        _row("k1", NOW - HOUR, 1, 1),
        _row("k1", NOW, 3, 10),
    ]
    ttl = await one.client.ttl(f"t:usage:k1:{NOW}")
    assert 89 * 86400 < ttl <= 90 * 86400 + HOUR
    assert await two.delete("k1") == 2
    assert await one.query("k1", NOW - HOUR, NOW + HOUR) == []
    await one.aclose()
    await two.aclose()


async def test_redis_quota_books_start_from_the_seed_and_count_atomically(redis_url: str) -> None:
    client = redis.asyncio.Redis.from_url(redis_url)
    await client.delete(*[k async for k in client.scan_iter("t:quota:*")] or ["-"])
    books = [RedisQuotas(client, prefix="t:quota:"), RedisQuotas(client, prefix="t:quota:")]
    principal = Principal(name="p", key_id="abc", chute_id="c-hute")
    quota = Quota(requests=3, tokens=100)
    seeds: list[str] = []

    async def seed(key_id: str, start: int, end: int) -> list[int]:
        seeds.append(key_id)
        return [1, 0, 0, 0, 0, 0, 0, 0]  # one request already recorded this window

    results = [await books[i % 2].admit(principal, quota, NOW, seed) for i in range(4)]
    assert results == [None, None, (3, 0), (3, 0)] and seeds == ["abc"]  # read once, shared after
    books[0].spend_tokens("abc", Quota(tokens=100), NOW, 150)
    await books[0].flush()
    assert await books[1].admit(principal, Quota(tokens=100), NOW, seed) == (3, 150)
    await client.aclose()
