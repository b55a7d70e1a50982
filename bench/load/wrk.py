"""HTTP load with wrk: a C load generator with its own event loop, so the client is never the
slow side. One thread: on a 2-core machine every cycle wrk takes is one the servers lose."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from . import Cell

__all__ = ["run_wrk"]

_SCRIPT = os.path.join(os.path.dirname(__file__), "post.lua")


def run_wrk(peer: str, url: str, body: str, concurrency: int, seconds: float) -> Cell:
    """``concurrency`` keep-alive connections POSTing ``body`` to ``url`` for ``seconds``."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed: run `make bench-deps` (Debian package wrk)")
    argv = [wrk, "-t1", f"-c{concurrency}", f"-d{seconds:g}s", "--timeout", "5s", "-s", _SCRIPT, url]
    result = subprocess.run(
        argv, env={**os.environ, "WRK_BODY": body}, capture_output=True, text=True, timeout=seconds + 30
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if result.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed on {url}: {result.stderr.strip() or result.stdout[-500:]}")
    stats = json.loads(line.removeprefix("BENCH_JSON "))
    return Cell(
        peer=peer,
        concurrency=concurrency,
        rps=stats["requests"] / (stats["duration_us"] / 1e6),
        p50_ms=stats["p50_us"] / 1000,
        p99_ms=stats["p99_us"] / 1000,
        requests=stats["requests"],
        errors=stats["errors"],
        driver="wrk",
    )
