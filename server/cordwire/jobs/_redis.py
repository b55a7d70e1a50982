"""Jobs shared by replicas through Redis: a Stream with a consumer group is the queue.

Why Streams rather than a job library (arq, rq, taskiq, dramatiq): those keep their own records and
result formats, and none lets another process cancel a running asyncio task, watch status
changes, or list one owner's jobs newest first, which the contract needs. A consumer group gives
what a library would: each queued job goes to exactly one replica that has room (a blocking
XREADGROUP per free slot, no polling), and an entry a replica took but never confirmed (it died)
is taken over by another (XAUTOCLAIM). Records are hashes changed only by Lua scripts that check
the status they expect, and every change is PUBLISHed, so watchers on any replica see it and the
replica running a job hears its cancel. A running job holds a lease its runner renews; one whose
lease lapsed (its replica died) is marked ``interrupted`` by the next replica that looks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError, ResponseError

from ._backend import ListQuery, OnCancel
from ._hub import Hub
from ._local import INTERRUPTED
from ._records import JobRecord, Status, now

__all__ = ["RedisBackend"]

log = logging.getLogger("cordwire.jobs")
_GROUP = "runners"
_LIST_BATCH = 100

# KEYS: record, owner index, queued set, stream, channel. ARGV: id, json, status, seq, queue limit.
_CREATE = """
if redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[5]) then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'status', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('XADD', KEYS[4], '*', 'id', ARGV[1])
redis.call('PUBLISH', KEYS[5], ARGV[2])
return 1
"""
# KEYS: record, queued set, running set, lease, channel. ARGV: id, json, status, lease ms, expected…
_TRANSITION = """
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return 0 end
local expected = false
for i = 5, #ARGV do if ARGV[i] == current then expected = true end end
if not expected then return 0 end
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'status', ARGV[3])
if ARGV[3] == 'running' then
  redis.call('SREM', KEYS[2], ARGV[1])
  redis.call('SADD', KEYS[3], ARGV[1])
  if current == 'queued' then redis.call('SET', KEYS[4], '1', 'PX', ARGV[4]) end
elseif ARGV[3] ~= 'queued' then
  redis.call('SREM', KEYS[2], ARGV[1])
  redis.call('SREM', KEYS[3], ARGV[1])
  redis.call('DEL', KEYS[4])
end
redis.call('PUBLISH', KEYS[5], ARGV[2])
return 1
"""


class RedisBackend:
    """Records, queue and events of one chute under ``cordwire:jobs:{chute}:``."""

    def __init__(self, url: str, chute: str, lease_seconds: float) -> None:
        self.hub = Hub()
        self._client: redis.Redis = redis.Redis.from_url(url)
        # Blocking reads wait up to a lease for a job: past redis-py's 5 s socket timeout.
        self._blocking: redis.Redis = redis.Redis.from_url(url, socket_timeout=lease_seconds + 5)
        self._prefix = f"cordwire:jobs:{chute}:"
        self._stream = self._prefix + "queue"
        self._channel = self._prefix + "events"
        self._lease_ms = int(lease_seconds * 1000)
        self.heartbeat_interval = lease_seconds / 3
        self._consumer = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
        self._create = self._client.register_script(_CREATE)
        self._transition = self._client.register_script(_TRANSITION)
        self._listener: asyncio.Task[None] | None = None
        self._pubsub: Any = None
        self._on_cancel: OnCancel = lambda _id: None

    def _key(self, *parts: str) -> str:
        return self._prefix + ":".join(parts)

    async def open(self, on_cancel: OnCancel) -> None:
        self._on_cancel = on_cancel
        with contextlib.suppress(ResponseError):  # BUSYGROUP: another replica made it
            await self._client.xgroup_create(self._stream, _GROUP, id="0", mkstream=True)
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(self._channel)
        self._listener = asyncio.ensure_future(self._listen())
        await self._reap()

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._pubsub is not None:
            await self._pubsub.aclose()
        await self._client.aclose()
        await self._blocking.aclose()

    async def _listen(self) -> None:
        while True:
            try:
                async for message in self._pubsub.listen():
                    self._dispatch(message["data"])
            except (ConnectionError, RedisError):
                # Watchers re-read records meanwhile; redis-py re-subscribes on the next read.
                log.warning("jobs: lost the %s subscription; retrying in 1s", self._channel, exc_info=True)
                await asyncio.sleep(1.0)

    def _dispatch(self, data: bytes) -> None:
        try:
            decoded = json.loads(data)
            if "cancel" in decoded:
                self._on_cancel(str(decoded["cancel"]))
            else:
                self.hub.publish(JobRecord.from_json(data))
        except Exception:
            log.exception("jobs: a message on %s could not be read", self._channel)

    async def create(self, record: JobRecord, queue_limit: int) -> JobRecord | None:
        stored = record.replace(seq=int(await self._client.incr(self._key("seq"))))
        keys = [
            self._key("rec", record.id),
            self._key("owner", record.owner),
            self._key("queued"),
            self._stream,
            self._channel,
        ]
        args = [record.id, stored.to_json(), record.status.value, stored.seq, queue_limit]
        return stored if await self._create(keys=keys, args=args) else None

    async def get(self, job_id: str) -> JobRecord | None:
        text = await self._client.hget(self._key("rec", job_id), "json")
        return None if text is None else JobRecord.from_json(text)

    async def list(self, query: ListQuery) -> tuple[list[JobRecord], bool]:
        index = self._key("owner", query.owner)
        top = "+inf" if query.before_seq is None else f"({query.before_seq}"
        found: list[JobRecord] = []
        while len(found) <= query.limit:
            batch: Any = await self._client.zrevrangebyscore(
                index, top, "-inf", start=0, num=_LIST_BATCH, withscores=True
            )
            if not batch:
                break
            async with self._client.pipeline(transaction=False) as pipe:
                for job_id, _score in batch:
                    pipe.hget(self._key("rec", job_id.decode()), "json")
                texts = await pipe.execute()
            for (_job_id, score), text in zip(batch, texts, strict=True):
                top = f"({int(score)}"
                if text is None:
                    continue
                record = JobRecord.from_json(text)
                if (query.status is None or record.status is query.status) and (
                    not query.name or record.name == query.name
                ):
                    found.append(record)
            if len(batch) < _LIST_BATCH:
                break
        return found[: query.limit], len(found) > query.limit

    async def claim(self) -> JobRecord:
        while True:
            reply: Any = await self._blocking.xreadgroup(
                _GROUP, self._consumer, {self._stream: ">"}, count=1, block=self._lease_ms
            )
            if not reply:
                await self._reap()  # quiet: a good moment to look for lapsed leases
                continue
            for entry, fields in reply[0][1]:
                claimed = await self._take(entry, fields)
                if claimed is not None:
                    return claimed

    async def _take(self, entry: bytes, fields: dict[bytes, bytes]) -> JobRecord | None:
        # Marked running before the entry is acknowledged: a replica dying in between leaves the
        # entry pending, and XAUTOCLAIM gives it to another.
        record = await self.get(fields[b"id"].decode())
        claimed = None
        if record is not None and record.status is Status.QUEUED:
            running = record.replace(status=Status.RUNNING, started_at=now())
            if await self.transition(running, expect=(Status.QUEUED,)):
                claimed = running
        await self._client.xack(self._stream, _GROUP, entry)
        await self._client.xdel(self._stream, entry)
        return claimed

    async def _reap(self) -> None:
        running: Any = await self._client.smembers(self._key("running"))
        for raw in running:
            job_id = raw.decode()
            if await self._client.exists(self._key("lease", job_id)):
                continue
            record = await self.get(job_id)
            if record is not None and record.status is Status.RUNNING:
                ended = record.replace(status=Status.INTERRUPTED, error=INTERRUPTED, finished_at=now())
                if await self.transition(ended, expect=(Status.RUNNING,)):
                    log.warning("job %s: its replica stopped renewing its lease; marked interrupted", job_id)
        # Entries a dead replica read but never acknowledged: queued jobs to run here instead.
        claimed: Any = await self._client.xautoclaim(
            self._stream, _GROUP, self._consumer, min_idle_time=self._lease_ms * 2, count=10
        )
        entries = claimed[1]
        for entry, fields in entries:
            record = await self.get(fields[b"id"].decode())
            if record is None or record.status is not Status.QUEUED:
                await self._client.xack(self._stream, _GROUP, entry)
            else:  # back in the queue for whichever replica has room
                await self._client.xadd(self._stream, {"id": record.id})
                await self._client.xack(self._stream, _GROUP, entry)

    async def heartbeat(self, job_id: str) -> None:
        await self._client.set(self._key("lease", job_id), "1", px=self._lease_ms, xx=True)

    async def transition(self, record: JobRecord, *, expect: tuple[Status, ...]) -> bool:
        keys = [
            self._key("rec", record.id),
            self._key("queued"),
            self._key("running"),
            self._key("lease", record.id),
            self._channel,
        ]
        args = [record.id, record.to_json(), record.status.value, self._lease_ms, *(s.value for s in expect)]
        return bool(await self._transition(keys=keys, args=args))

    async def request_cancel(self, record: JobRecord) -> None:
        await self._client.publish(self._channel, json.dumps({"cancel": record.id}))
