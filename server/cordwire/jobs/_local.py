"""One process's jobs: records in SQLite, the queue in memory (rebuilt from SQLite at start)."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pathlib

from ._backend import ListQuery, OnCancel
from ._hub import Hub
from ._records import JobRecord, Status, now
from ._sqlite import SqliteRecords

__all__ = ["LocalBackend"]

INTERRUPTED = "the server stopped while the job was running"


class LocalBackend:
    """The default: survives restarts; a second process on the same folder is refused at start."""

    def __init__(self, folder: pathlib.Path, chute: str) -> None:
        self.hub = Hub()
        self._folder = folder
        self._chute = chute
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._records: SqliteRecords | None = None
        self._lock_fd: int | None = None
        self._on_cancel: OnCancel = lambda _id: None

    @property
    def records(self) -> SqliteRecords:
        assert self._records is not None, "the backend is not open"
        return self._records

    async def open(self, on_cancel: OnCancel) -> None:
        self._on_cancel = on_cancel
        self._folder.mkdir(parents=True, exist_ok=True)
        self._lock_fd = _lock(self._folder / f"{self._chute}.lock")
        self._records = SqliteRecords(self._folder / "jobs.db")
        # Held by our lock, so a job still `running` here belonged to a process that died.
        for record in self.records.with_status(self._chute, Status.RUNNING):
            ended = record.replace(status=Status.INTERRUPTED, error=INTERRUPTED, finished_at=now())
            self.records.put(ended, (Status.RUNNING,))
        for record in self.records.with_status(self._chute, Status.QUEUED):
            self._queue.put_nowait(record.id)

    async def close(self) -> None:
        if self._records is not None:
            self._records.close()
            self._records = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None

    async def create(self, record: JobRecord, queue_limit: int) -> JobRecord | None:
        stored = self.records.insert(record, queue_limit)
        if stored is not None:
            self._queue.put_nowait(stored.id)
            self.hub.publish(stored)
        return stored

    async def get(self, job_id: str) -> JobRecord | None:
        return self.records.get(self._chute, job_id)

    async def list(self, query: ListQuery) -> tuple[list[JobRecord], bool]:
        return self.records.list(self._chute, query)

    async def claim(self) -> JobRecord:
        while True:
            job_id = await self._queue.get()
            record = self.records.get(self._chute, job_id)
            if record is None or record.status is not Status.QUEUED:
                continue  # cancelled while queued
            running = record.replace(status=Status.RUNNING, started_at=now())
            if await self.transition(running, expect=(Status.QUEUED,)):
                return running

    async def heartbeat(self, job_id: str) -> None:
        return None  # the folder lock says this process is alive

    async def transition(self, record: JobRecord, *, expect: tuple[Status, ...]) -> bool:
        if not self.records.put(record, expect):
            return False
        self.hub.publish(record)
        return True

    async def request_cancel(self, record: JobRecord) -> None:
        self._on_cancel(record.id)


def _lock(path: pathlib.Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise OSError(
            f"the jobs folder {path.parent} is in use by another cordwire process for this chute: "
            "give each process its own --jobs-dir, or share jobs through --redis"
        ) from None
    return fd
