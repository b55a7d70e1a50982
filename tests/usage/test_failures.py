"""When storage fails: quotas fail open, counts wait for the next flush, reads answer 503."""

from __future__ import annotations

import logging

import pytest
import redis.asyncio

from cordwire import Code, CordError
from cordwire.server.admission import Principal, Quota
from cordwire.server.usage import COUNTERS, LocalQuotas, RedisQuotas, UsageMeter, usage_reader
from cordwire.server.usage._records import Counts, Row

from .conftest import free_port

PRINCIPAL = Principal(name="p", key_id="abcdef012345", chute_id="c-hute", quota=Quota(requests=1))


class FlakyStore:
    """A usage store whose writes and reads fail while ``down`` is set."""

    def __init__(self) -> None:
        self.down = True
        self.rows: list[Row] = []

    async def add(self, rows: list[Row]) -> None:
        if self.down:
            raise OSError("disk unplugged")
        self.rows.extend(rows)

    async def query(self, key_id: str, start: int, end: int) -> list[Row]:
        if self.down:
            raise OSError("disk unplugged")
        return list(self.rows)

    async def totals(self, key_id: str, start: int, end: int) -> Counts:
        return [0] * len(COUNTERS)

    async def delete(self, key_id: str) -> int:
        return 0

    async def aclose(self) -> None:
        return None


async def test_quotas_fail_open_while_redis_is_unreachable(caplog: pytest.LogCaptureFixture) -> None:
    client = redis.asyncio.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.2)
    books = RedisQuotas(client)

    async def seed(key_id: str, start: int, end: int) -> list[int]:
        return [0] * len(COUNTERS)

    with caplog.at_level(logging.WARNING, logger="cordwire.usage"):
        assert await books.admit(PRINCIPAL, Quota(requests=0), 1e9, seed) is None  # admitted
        assert await books.admit(PRINCIPAL, Quota(requests=0), 1e9, seed) is None  # skipped, no retry
    assert len([r for r in caplog.records if "quota store unreachable" in r.message]) == 1
    await client.aclose()


async def test_counts_wait_in_memory_until_the_store_is_back() -> None:
    store = FlakyStore()
    meter = UsageMeter(store, LocalQuotas())
    meter._record(("k", 0, "c-hute", "Cord", ""), [1, 0, 0, 2, 3, 4, 5, 6])
    with pytest.raises(OSError):
        await meter.flush()
    meter._record(("k", 0, "c-hute", "Cord", ""), [1, 0, 0, 2, 3, 4, 5, 6])  # more, meanwhile
    store.down = False
    await meter.flush()
    assert store.rows == [(("k", 0, "c-hute", "Cord", ""), [2, 0, 0, 4, 6, 8, 10, 12])]


async def test_reading_usage_while_the_store_is_down_is_a_503() -> None:
    meter = UsageMeter(FlakyStore(), LocalQuotas())

    async def authenticate(metadata: object) -> Principal:
        return PRINCIPAL

    read = usage_reader(meter, authenticate)
    with pytest.raises(CordError) as caught:
        await read({}, "")
    assert caught.value.code is Code.UNAVAILABLE and caught.value.http_status == 503
