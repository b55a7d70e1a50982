"""The Triton endpoints requests go to: round-robin over the ready ones, readiness for the service."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Sequence

from ._endpoint import Endpoint

__all__ = ["Pool"]


class Pool:
    """Endpoints plus the models each must have READY. ``ready`` when at least one endpoint is."""

    def __init__(self, addresses: Sequence[str], models: Sequence[str]) -> None:
        self.models = tuple(models)
        self.endpoints = [Endpoint(a, self._health_changed) for a in addresses]
        self._turn = itertools.count()
        self._listeners: list[Callable[[bool], object]] = []
        self._ready = False
        self._ready_event = asyncio.Event()
        self._health_task: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        return self._ready

    def add_listener(self, callback: Callable[[bool], object]) -> None:
        self._listeners.append(callback)

    async def wait_ready(self) -> None:
        await self._ready_event.wait()

    def _health_changed(self) -> None:
        ready = any(e.healthy for e in self.endpoints)
        if ready == self._ready:
            return
        self._ready = ready
        if ready:
            self._ready_event.set()
        else:
            self._ready_event.clear()
        for callback in list(self._listeners):
            callback(ready)

    def pick(self, tried: Sequence[Endpoint] = ()) -> Endpoint | None:
        """The next ready endpoint not in ``tried``, round-robin; None when there is none."""
        candidates = [e for e in self.endpoints if e.healthy and e not in tried]
        if not candidates:
            return None
        return candidates[next(self._turn) % len(candidates)]

    def start_health_checks(self, interval: float = 0.5) -> None:
        """Check every endpoint every ``interval`` seconds (external Tritons; the embedded one is
        checked by its supervisor)."""
        self._health_task = asyncio.get_running_loop().create_task(self._check_forever(interval))

    async def _check_forever(self, interval: float) -> None:
        while True:
            results = await asyncio.gather(*(e.check(self.models) for e in self.endpoints))
            for endpoint, ok in zip(self.endpoints, results, strict=True):
                endpoint.set_healthy(ok)
            await asyncio.sleep(interval)

    async def close(self) -> None:
        if self._health_task is not None:
            self._health_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._health_task
            self._health_task = None
        for endpoint in self.endpoints:
            await endpoint.close()
