"""Starts the in-process Triton and reports its readiness; a Triton that cannot serve is a failure.

Readiness is read from Triton itself every ``interval`` seconds (``ServerIsLive`` and
``ServerModelIsReady``: two C calls, no network). There is nothing to restart in-process: a start-up
that fails, a model not READY for ``max_failures`` checks in a row, or a model's stub process that
is gone (``_stubs.py``) is a failure
(``InProcessTriton.fail``), and the process is left for its supervisor to replace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ._capi import TritonError
from ._endpoint import Endpoint
from ._inprocess import InProcessTriton

__all__ = ["Watch"]

logger = logging.getLogger("cordwire.triton")


class Watch:
    """Runs ``triton`` and reports its health on ``endpoint``."""

    def __init__(
        self, triton: InProcessTriton, endpoint: Endpoint, *, interval: float = 0.5, max_failures: int = 3
    ) -> None:
        self.triton = triton
        self.endpoint = endpoint
        self.interval = interval
        self.max_failures = max_failures
        self._starting: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        # In a thread: ServerNew returns once every model loaded (seconds).
        self._starting = asyncio.ensure_future(asyncio.to_thread(self.triton.start))
        self._task = asyncio.get_running_loop().create_task(self._run(self._starting), name="triton-watch")
        self.triton.add_failure_listener(lambda _cause: self.endpoint.set_healthy(False))

    async def _run(self, starting: asyncio.Future[None]) -> None:
        try:
            await asyncio.shield(starting)
        except TritonError as exc:
            self.triton.fail(f"Triton did not start: {exc.message}")
            return
        logger.info(
            "Triton ready (in-process): %d model(s) READY in %.2fs",
            len(self.triton.models),
            self.triton.startup_seconds or 0.0,
        )
        failures = 0
        while self.triton.failure is None:
            self.triton.check_stubs()
            if self.triton.ready():
                failures = 0
                self.endpoint.set_healthy(True)
            else:
                self.endpoint.set_healthy(False)
                failures += 1
                if failures >= self.max_failures:
                    self.triton.fail(f"a model has not been READY for {failures} checks")
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        """Stop watching and stop Triton (after a start-up still under way)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.endpoint.set_healthy(False)
        if self._starting is not None:
            with contextlib.suppress(Exception):
                await self._starting
        await asyncio.to_thread(self.triton.stop)
