"""Jobs in a folder: records in SQLite, each process's queue in memory (rebuilt at start).

Several processes may share the folder (two replicas with one keys database, say). Each holds a
lock file for as long as it lives and writes its name into the records it queues and runs; a
record whose process no longer holds its lock belonged to a process that died, so at start a
running one becomes ``interrupted`` and a queued one is taken over. A cancel or a status change
made by another process is found by the runner's heartbeat and the watchers' periodic re-read.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pathlib
import secrets

from ._backend import ListQuery, OnCancel
from ._hub import Hub
from ._records import JobRecord, Status, now
from ._sqlite import SqliteRecords

__all__ = ["INTERRUPTED", "LocalBackend"]

INTERRUPTED = "the server stopped while the job was running"


class LocalBackend:
    """The default store: survives restarts; records on a local disk, jobs run where queued."""

    heartbeat_interval = 1.0

    def __init__(self, folder: pathlib.Path, chute: str) -> None:
        self.hub = Hub()
        self._folder = folder
        self._chute = chute
        self._runner = f"{os.getpid()}-{secrets.token_hex(4)}"
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._records: SqliteRecords | None = None
        self._lock_fd: int | None = None
        self._on_cancel: OnCancel = lambda _id: None

    @property
    def records(self) -> SqliteRecords:
        assert self._records is not None, "the backend is not open"
        return self._records

    def _lock_path(self, runner: str) -> pathlib.Path:
        return self._folder / "runners" / f"{self._chute}.{runner}.lock"

    async def open(self, on_cancel: OnCancel) -> None:
        self._on_cancel = on_cancel
        (self._folder / "runners").mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(self._lock_path(self._runner), os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._records = SqliteRecords(self._folder / "jobs.db")
        alive: dict[str, bool] = {self._runner: True}
        for record in self.records.with_status(self._chute, Status.RUNNING):
            if not alive.setdefault(record.runner, _alive(self._lock_path(record.runner))):
                ended = record.replace(status=Status.INTERRUPTED, error=INTERRUPTED, finished_at=now())
                self.records.put(ended, (Status.RUNNING,))
        for record in self.records.with_status(self._chute, Status.QUEUED):
            dead = not alive.setdefault(record.runner, _alive(self._lock_path(record.runner)))
            if dead and self.records.put(record.replace(runner=self._runner), (Status.QUEUED,)):
                self._queue.put_nowait(record.id)
        for runner, is_alive in alive.items():
            if not is_alive:
                with contextlib.suppress(OSError):
                    self._lock_path(runner).unlink()

    async def close(self) -> None:
        if self._records is not None:
            self._records.close()
            self._records = None
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                self._lock_path(self._runner).unlink()
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None

    async def create(self, record: JobRecord, queue_limit: int) -> JobRecord | None:
        stored = self.records.insert(record.replace(runner=self._runner), queue_limit)
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
            running = record.replace(status=Status.RUNNING, started_at=now(), runner=self._runner)
            if await self.transition(running, expect=(Status.QUEUED,)):
                return running

    async def heartbeat(self, job_id: str) -> None:
        record = self.records.get(self._chute, job_id)
        if record is not None and record.cancel_requested:  # asked through another process
            self._on_cancel(job_id)

    async def transition(self, record: JobRecord, *, expect: tuple[Status, ...]) -> bool:
        if not self.records.put(record, expect):
            return False
        self.hub.publish(record)
        return True

    async def request_cancel(self, record: JobRecord) -> None:
        self._on_cancel(record.id)  # runs here, or the heartbeat of the process running it sees it


def _alive(lock: pathlib.Path) -> bool:
    """Whether a process holds ``lock`` (a missing file: no)."""
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
