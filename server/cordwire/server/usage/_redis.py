"""Usage and quota counters in Redis, so that replicas add to the same numbers."""

from __future__ import annotations

import redis.asyncio as redis

from ._records import COUNTERS, HOUR, RETENTION_DAYS, Counts, Row

__all__ = ["RedisUsageStore"]

_SEP = "\x1f"  # between chute, cord, model and counter in a hash field (none of them holds it)
_MAX_HOURS = 400 * 24


class RedisUsageStore:
    """One hash per key and hour (``{prefix}{key_id}:{hour}``), one field per chute/cord/model/counter,
    added to with HINCRBY: replicas never overwrite each other's counts, and each hash expires
    :data:`RETENTION_DAYS` after its hour."""

    def __init__(self, client: redis.Redis, *, prefix: str = "cordwire:usage:") -> None:
        self.client = client
        self.prefix = prefix

    async def add(self, rows: list[Row]) -> None:
        async with self.client.pipeline(transaction=False) as pipe:
            for (key_id, hour, chute, cord, model), counts in rows:
                name = f"{self.prefix}{key_id}:{hour}"
                for counter, value in zip(COUNTERS, counts, strict=True):
                    if value:
                        pipe.hincrby(name, _SEP.join((chute, cord, model, counter)), value)
                pipe.expireat(name, hour + HOUR + RETENTION_DAYS * 86400)
            await pipe.execute()

    async def query(self, key_id: str, start: int, end: int) -> list[Row]:
        hours = list(range(start - start % HOUR, end, HOUR))[:_MAX_HOURS]
        hours = [h for h in hours if h >= start]
        async with self.client.pipeline(transaction=False) as pipe:
            for hour in hours:
                pipe.hgetall(f"{self.prefix}{key_id}:{hour}")
            replies = await pipe.execute()
        rows: list[Row] = []
        for hour, fields in zip(hours, replies, strict=True):
            slots: dict[tuple[str, str, str], Counts] = {}
            for field, value in fields.items():
                chute, cord, model, counter = field.decode().split(_SEP)
                counts = slots.setdefault((chute, cord, model), [0] * len(COUNTERS))
                counts[COUNTERS.index(counter)] = int(value)
            rows.extend(((key_id, hour, *group), counts) for group, counts in slots.items())
        return rows

    async def totals(self, key_id: str, start: int, end: int) -> Counts:
        out = [0] * len(COUNTERS)
        for _, counts in await self.query(key_id, start, end):
            for i, value in enumerate(counts):
                out[i] += value
        return out

    async def delete(self, key_id: str) -> int:
        names = [name async for name in self.client.scan_iter(match=f"{self.prefix}{key_id}:*", count=500)]
        return int(await self.client.delete(*names)) if names else 0

    async def aclose(self) -> None:
        await self.client.aclose()
