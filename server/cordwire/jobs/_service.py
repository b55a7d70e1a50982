"""The jobs of one chute at run time: workers taking queued jobs, cancels, shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pathlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from redis.exceptions import RedisError

from ._backend import Backend
from ._callbacks import deliver
from ._local import LocalBackend
from ._options import JobsOptions
from ._records import JobRecord, Status
from ._runner import Outcome, call_job, finish, run_job
from ._spec import JobSpec

if TYPE_CHECKING:
    from cordwire._chute import Chute

__all__ = ["JobsRuntime", "OwnerOf"]

log = logging.getLogger("cordwire.jobs")

OwnerOf = Callable[[Mapping[str, str]], str]
"""The owner of a call from its metadata: the API key's id (``anonymous`` without auth)."""


class JobsRuntime:
    """What the cordwire.v1.Jobs handlers get as ``self``; started after the chute's start-up hooks."""

    def __init__(self, chute: Chute, options: JobsOptions, owner_of: OwnerOf) -> None:
        self.chute = chute
        self.chute_id = chute.chute_id
        self.specs: dict[str, JobSpec] = chute.jobs
        self.options = options
        self.owner_of = owner_of
        self.backend: Backend
        if options.redis_url:
            from ._redis import RedisBackend

            self.backend = RedisBackend(options.redis_url, self.chute_id, options.lease_seconds)
        else:
            self.backend = LocalBackend(options.folder, self.chute_id)
        self._running: dict[str, asyncio.Task[Any]] = {}
        self._workers: list[asyncio.Task[None]] = []
        self._runs: set[asyncio.Task[None]] = set()
        self._callbacks: set[asyncio.Task[bool]] = set()
        self._shutdown = asyncio.Event()
        self.closing = asyncio.Event()
        """Set once runs have ended on shutdown: watchers still waiting are told to come back."""
        self._started = False

    @property
    def hub(self) -> Any:
        return self.backend.hub

    def folder(self, job_id: str) -> pathlib.Path:
        return self.options.files / self.chute_id / job_id

    async def start(self) -> None:
        try:
            await self.backend.open(self._cancel_here)
        except RedisError as exc:  # a start-up error with a message, not a traceback
            raise OSError(f"jobs: cannot use Redis at {self.options.redis_url}: {exc}") from exc
        self._workers = [asyncio.ensure_future(self._work()) for _ in range(self.options.max_running)]
        self._started = True

    async def stop(self, grace: float) -> None:
        """Take no more jobs; give running ones ``grace`` seconds, then end them ``interrupted``."""
        if not self._started:
            return
        self._started = False
        for worker in self._workers:
            worker.cancel()  # idle ones wait in claim(); busy ones leave their run to finish alone
        await asyncio.gather(*self._workers, return_exceptions=True)
        if self._running:
            await asyncio.wait(list(self._running.values()), timeout=grace)
        self._shutdown.set()
        for task in self._running.values():
            task.cancel()
        await asyncio.gather(*self._runs, return_exceptions=True)  # their final records are stored
        self.closing.set()
        await asyncio.sleep(0)  # the watchers' turn to end before the backend closes
        for callback in self._callbacks:
            callback.cancel()
        await asyncio.gather(*self._callbacks, return_exceptions=True)
        await self.backend.close()

    def _cancel_here(self, job_id: str) -> None:
        task = self._running.get(job_id)
        if task is not None:
            task.cancel()

    async def _work(self) -> None:
        while True:
            try:
                record = await self.backend.claim()
            except Exception:  # Redis unreachable for a moment, say: a worker must outlive it
                log.exception("jobs of %s: could not take the next job; retrying in 1s", self.chute_id)
                await asyncio.sleep(1.0)
                continue
            run = asyncio.ensure_future(self._run(record))
            self._runs.add(run)
            run.add_done_callback(self._runs.discard)
            await asyncio.shield(run)  # a worker cancelled at shutdown does not cancel the run

    async def _run(self, record: JobRecord) -> None:
        try:
            await self._run_one(record)
        except Exception:
            log.exception("job %s: the runner failed", record.id)

    async def _run_one(self, record: JobRecord) -> None:
        spec = self.specs.get(record.name)
        folder = self.folder(record.id)
        folder.mkdir(parents=True, exist_ok=True)
        if spec is None:  # queued by a version of the chute that had this job
            outcome = Outcome(Status.ERROR, error=f"this chute has no job {record.name!r} any more")
            await self._store(finish(record, outcome, None, folder, self.options))
            return
        task = asyncio.ensure_future(call_job(spec, self.chute, record.arguments, folder))
        self._running[record.id] = task
        heartbeat = asyncio.ensure_future(self._heartbeat(record.id))
        try:
            latest = await self.backend.get(record.id)  # a cancel may have come while we claimed it
            if latest is not None and latest.cancel_requested:
                task.cancel()
            outcome = await run_job(task, spec, record, shutdown=self._shutdown)
        finally:
            del self._running[record.id]
            heartbeat.cancel()
            if not task.done():
                task.cancel()
        final = await asyncio.to_thread(finish, record, outcome, spec, folder, self.options)
        await self._store(final)

    async def _store(self, final: JobRecord) -> None:
        if not await self.backend.transition(final, expect=(Status.RUNNING,)):
            log.warning("job %s ended %s, but its record had already changed", final.id, final.status)
            return
        if final.callback_url:
            task = asyncio.ensure_future(
                deliver(
                    final.callback_url,
                    final.public(),
                    attempts=self.options.callback_attempts,
                    allow_private=self.options.allow_private_callbacks,
                )
            )
            self._callbacks.add(task)
            task.add_done_callback(self._callbacks.discard)

    async def _heartbeat(self, job_id: str) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(self.backend.heartbeat_interval)
                try:
                    await self.backend.heartbeat(job_id)
                except Exception:  # Redis away for a moment: the next beat may get through
                    log.warning("job %s: could not renew its lease", job_id, exc_info=True)
