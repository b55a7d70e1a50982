"""Where records live and how queued jobs reach a runner: SQLite in process, or Redis for replicas."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Protocol

from ._hub import Hub
from ._records import JobRecord, Status

__all__ = ["Backend", "ListQuery", "OnCancel"]

OnCancel = Callable[[str], None]
"""Told the id of a running job someone cancelled; the process running it stops its task."""


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class ListQuery:
    owner: str
    status: Status | None = None
    name: str = ""
    limit: int = 20
    before_seq: int | None = None
    """Only records created before this one (the ``after`` cursor's position)."""


class Backend(Protocol):
    """Records and the queue of one chute. Every change goes to ``hub`` (here or on every replica)."""

    hub: Hub

    async def open(self, on_cancel: OnCancel) -> None:
        """Start; mark jobs whose runner died ``interrupted``; requeue what was queued."""

    async def close(self) -> None: ...

    async def create(self, record: JobRecord, queue_limit: int) -> JobRecord | None:
        """Store and queue ``record``; None when the chute already has ``queue_limit`` jobs queued."""

    async def get(self, job_id: str) -> JobRecord | None: ...

    async def list(self, query: ListQuery) -> tuple[list[JobRecord], bool]:
        """Newest first, and whether more are older."""

    async def claim(self) -> JobRecord:
        """Wait for a queued job and mark it ``running`` here (the caller has room for it)."""

    heartbeat_interval: float
    """Seconds between two :meth:`heartbeat` calls for a running job."""

    async def heartbeat(self, job_id: str) -> None:
        """The job still runs here (Redis: renew its lease; SQLite: look for a cancel from another
        process on the folder)."""

    async def transition(self, record: JobRecord, *, expect: tuple[Status, ...]) -> bool:
        """Store ``record`` if the stored one's status is one of ``expect``; False otherwise."""

    async def request_cancel(self, record: JobRecord) -> None:
        """Tell whichever process runs ``record`` (marked cancel_requested) to stop it."""
