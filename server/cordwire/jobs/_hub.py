"""Fan-out of record changes to the watchers in this process (``GET /jobs/{id}/events``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

from ._records import JobRecord

__all__ = ["Hub"]

_BACKLOG = 64
"""Updates a slow watcher may fall behind by; past that it gets only the newest (statuses are few)."""


class Hub:
    """Each backend feeds it every record change it learns of; watchers of a job get that job's."""

    def __init__(self) -> None:
        self._watchers: dict[str, set[asyncio.Queue[JobRecord]]] = {}

    def publish(self, record: JobRecord) -> None:
        for queue in self._watchers.get(record.id, ()):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(record)

    @contextlib.contextmanager
    def watch(self, job_id: str) -> Iterator[asyncio.Queue[JobRecord]]:
        """Changes of ``job_id`` while the block runs (subscribe before reading the current record)."""
        queue: asyncio.Queue[JobRecord] = asyncio.Queue(_BACKLOG)
        self._watchers.setdefault(job_id, set()).add(queue)
        try:
            yield queue
        finally:
            watchers = self._watchers[job_id]
            watchers.discard(queue)
            if not watchers:
                del self._watchers[job_id]
