"""A watchdog for the serving event loop: who held it, for how long, with the stack.

One blocking call in an ``async def`` cord (``time.sleep``, a sync HTTP client, a tokenizer)
stalls every call and the health checks with it. The loop stamps a heartbeat every few
milliseconds; a daemon thread that finds the stamp older than the threshold logs, once per
stall, the loop thread's stack and the cord whose code is on it.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from types import CodeType, FrameType

__all__ = ["LoopWatchdog"]

log = logging.getLogger("cordwire.loop")


class LoopWatchdog:
    """Logs a warning when the loop it runs on does not turn for ``threshold`` seconds."""

    def __init__(self, threshold: float, cords: Mapping[CodeType, str]) -> None:
        if threshold <= 0:
            raise ValueError("the loop-lag threshold must be positive")
        self.threshold = threshold
        self._cords = dict(cords)
        """The code objects of the cords' functions -> the cord's name, to name the culprit."""
        self._beat = time.monotonic()
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._loop_thread = 0
        self.stalls = 0
        """Stalls reported so far."""

    def start(self) -> None:
        """Start watching the running loop (call from within it)."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._beat = time.monotonic()
        self._tick()
        self._thread = threading.Thread(target=self._watch, name="cordwire-loop-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _tick(self) -> None:
        self._beat = time.monotonic()
        if self._loop is not None and not self._stop.is_set():
            self._loop.call_later(min(0.02, self.threshold / 4), self._tick)

    def _watch(self) -> None:
        reported_beat = -1.0
        while not self._stop.wait(self.threshold / 2):
            beat = self._beat
            lag = time.monotonic() - beat
            if self._loop is None or not self._loop.is_running() or self._loop.is_closed():
                reported_beat = beat  # a stopped loop (between a test runner's tests) is not blocked
                continue
            if lag < self.threshold or beat == reported_beat:
                continue
            reported_beat = beat
            frame = sys._current_frames().get(self._loop_thread)
            if frame is None:
                continue
            self.stalls += 1
            cord = self.culprit(frame)
            stack = "".join(traceback.format_stack(frame))
            # Without user code on the stack (cordwire's own start-up, a test runner between calls)
            # it is not the user's to fix: kept for debugging, out of the way.
            log.log(
                logging.WARNING if cord else logging.DEBUG,
                "event loop blocked for %.0f ms (threshold %.0f ms) by %s; its stack:\n%s"
                "Run blocking code in a plain `def` cord, or set Chute(async_in_threads=True).",
                lag * 1000,
                self.threshold * 1000,
                cord or "code outside the chute's cords and hooks",
                stack,
            )

    def culprit(self, frame: FrameType | None) -> str | None:
        """The innermost cord whose code is on the stack above ``frame``."""
        while frame is not None:
            name = self._cords.get(frame.f_code)
            if name is not None:
                return name
            frame = frame.f_back
        return None
