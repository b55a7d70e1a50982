"""Keeps the embedded Triton up: health-polls it, restarts it with backoff, drives readiness."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ._embedded import EmbeddedTriton
from ._endpoint import Endpoint

__all__ = ["Supervisor"]

logger = logging.getLogger("cordwire.triton")


class Supervisor:
    """Runs ``triton`` and reports its health on ``endpoint`` (which it retargets on each launch).

    Readiness drops at the first failed check; a process that exited, logged a fatal signal, failed
    ``max_failures`` checks in a row, or did not become ready within ``start_timeout`` is killed and
    relaunched after an exponential backoff (``backoff`` doubling up to ``max_backoff``). A process
    that had served for ``stable_after`` seconds failed afresh: it is relaunched after ``backoff``.
    """

    def __init__(
        self,
        triton: EmbeddedTriton,
        endpoint: Endpoint,
        *,
        interval: float = 0.5,
        start_timeout: float = 120.0,
        max_failures: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        stable_after: float = 10.0,
    ) -> None:
        self.triton = triton
        self.endpoint = endpoint
        self.interval = interval
        self.start_timeout = start_timeout
        self.max_failures = max_failures
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.stable_after = stable_after
        self.launches = 0
        self.last_startup_seconds: float | None = None
        """Seconds from the latest launch to all models READY."""
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="triton-supervisor")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        delay = self.backoff
        while True:
            started = loop.time()
            self.triton.launch()  # Popen only: quick, and never left half-done by a cancellation
            self.launches += 1
            await self.endpoint.retarget(self.triton.grpc_address)
            ready_at = await self._watch(started)
            self.endpoint.set_healthy(False)
            # It misbehaved: no grace period, and the stubs of its process group go with it.
            await asyncio.to_thread(self.triton.kill)
            if ready_at is not None and loop.time() - ready_at >= self.stable_after:
                # It served for a while: a fresh failure (Triton 2.51 crashes on some request
                # cancellations), not a crash loop; every second of backoff is a second of 503s.
                delay = self.backoff
            logger.warning("restarting Triton in %.1fs", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_backoff)

    async def _watch(self, started: float) -> float | None:
        """Returns when the current process must be replaced: the time it became ready, if it did."""
        loop = asyncio.get_running_loop()
        failures = 0
        ready_at: float | None = None
        while True:
            if not self.triton.running():
                logger.error(
                    "tritonserver exited with code %s (log: %s)", self.triton.returncode, self.triton.log_path
                )
                return ready_at
            if self.triton.crashed:
                # Health checks may still pass (other threads serve on), but streams hang: replace it.
                logger.error("tritonserver logged a fatal signal; killing it (log: %s)", self.triton.log_path)
                return ready_at
            if await self.endpoint.check(self.triton.models):
                failures = 0
                if ready_at is None:
                    ready_at = loop.time()
                    self.last_startup_seconds = ready_at - started
                    logger.info(
                        "Triton ready: %d model(s) READY %.2fs after launch",
                        len(self.triton.models),
                        self.last_startup_seconds,
                    )
                self.endpoint.set_healthy(True)
            elif ready_at is not None:
                self.endpoint.set_healthy(False)
                failures += 1
                if failures >= self.max_failures:
                    logger.error("Triton stopped answering health checks; killing it")
                    return ready_at
            elif loop.time() - started > self.start_timeout:
                logger.error("Triton not ready %.0fs after launch; killing it", self.start_timeout)
                return None
            # Poll fast while starting so readiness is reported promptly.
            await asyncio.sleep(self.interval if ready_at is not None else 0.1)

    async def stop(self) -> None:
        """Stop supervising and terminate Triton gracefully (SIGTERM, then SIGKILL past a deadline)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.endpoint.set_healthy(False)
        await asyncio.to_thread(self.triton.close)
