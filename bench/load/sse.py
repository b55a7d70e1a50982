"""Streaming load: sseload (Go) reading N concurrent SSE streams, and an RSS sampler for the server."""

from __future__ import annotations

import json
import pathlib
import subprocess
import threading
from types import TracebackType
from typing import Any

from ..procs import rss_mb

__all__ = ["RssSampler", "run_sseload"]


def run_sseload(
    sseload: pathlib.Path, url: str, body: dict[str, Any], streams: int, timeout: float
) -> dict[str, Any]:
    """Open ``streams`` streams at once; returns sseload's summary (completed, errors, events, wall_s…)."""
    argv = [
        str(sseload),
        f"-url={url}",
        f"-body={json.dumps(body)}",
        f"-streams={streams}",
        f"-timeout={timeout:g}s",
    ]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout + 30)
    if result.returncode != 0:
        raise RuntimeError(f"sseload failed on {url}: {result.stderr.strip()[-1000:]}")
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


class RssSampler:
    """Samples a process's RSS every ``interval`` seconds while the block runs; ``peak_mb`` after.

    Sampling complements the kernel's VmHWM, which is the peak since the process started and so
    cannot tell the peak of one phase from start-up's."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak_mb = max(self.peak_mb, rss_mb(self.pid))
            except (FileNotFoundError, ProcessLookupError):
                return  # the process is gone; the run will report why
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
