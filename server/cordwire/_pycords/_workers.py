"""Worker threads with event loops of their own, for a chute's ``async_in_threads`` option.

Chutes runs user code away from the serving loop, so an ``async def`` cord that calls a blocking
library (a tokenizer, ``requests``, ``time.sleep``) stalls only itself. Here each async cord call
runs on one of a few worker threads' loops; the serving loop only awaits its future, so the other
cords, ``/healthz`` and the gRPC health service keep answering.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Awaitable
from typing import TypeVar

__all__ = ["LoopPool"]

T = TypeVar("T")


class LoopPool:
    """``size`` daemon threads, each running its own event loop until :meth:`close`."""

    def __init__(self, size: int, name: str = "cordwire-async") -> None:
        if size < 1:
            raise ValueError("a loop pool needs at least one thread")
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._threads: list[threading.Thread] = []
        for n in range(size):
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=_run, args=(loop,), name=f"{name}-{n}", daemon=True)
            thread.start()
            self._loops.append(loop)
            self._threads.append(thread)
        self._next = itertools.cycle(self._loops)

    @property
    def threads(self) -> tuple[threading.Thread, ...]:
        return tuple(self._threads)

    def pick(self) -> asyncio.AbstractEventLoop:
        """A loop for one call (round robin); an async generator keeps its loop for every step."""
        return next(self._next)

    async def run(self, awaitable: Awaitable[T], loop: asyncio.AbstractEventLoop | None = None) -> T:
        """Await ``awaitable`` on a worker loop; cancelling this call cancels it there too."""

        async def step() -> T:
            return await awaitable

        future = asyncio.run_coroutine_threadsafe(step(), loop or self.pick())
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        for loop in self._loops:
            loop.call_soon_threadsafe(loop.stop)
        for thread in self._threads:
            thread.join(timeout=5)
        for loop in self._loops:
            if not loop.is_running():
                loop.close()


def _run(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    loop.run_forever()
