"""gRPC load with ghz (Go): cordwire's gRPC server measured without a Python client in the way."""

from __future__ import annotations

import json
import pathlib
import subprocess

from ..paths import GOOGLE_PROTOS, PROTO, PROTO_ROOT
from . import Cell

__all__ = ["run_ghz"]

_CUT_AT_END = ("use of closed network connection", "context canceled", "the client connection is closing")


def run_ghz(
    ghz: pathlib.Path,
    peer: str,
    target: str,
    method: str,
    data: str,
    concurrency: int,
    seconds: float,
    connections: int = 1,
) -> Cell:
    """``concurrency`` workers calling ``method`` (``pkg.Service.Method``) back to back, spread over
    ``connections`` HTTP/2 connections (one multiplexes; several are what a pool of clients, or
    wrk's one connection per worker, look like to the server)."""
    argv = [
        str(ghz),
        "--insecure",
        "--proto",
        str(PROTO),
        "--import-paths",
        f"{PROTO_ROOT},{GOOGLE_PROTOS}",
        "--call",
        method,
        "-d",
        data,
        "-c",
        str(concurrency),
        "--connections",
        str(max(1, min(connections, concurrency))),
        "-z",
        f"{seconds:g}s",
        "-n",
        "100000000",  # -z ends the run; this only lifts ghz's default cap of 200 calls
        "-O",
        "json",
        target,
    ]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"ghz failed on {target}: {result.stderr.strip()[-1000:]}")
    report = json.loads(result.stdout)
    percentiles = {p["percentage"]: p["latency"] for p in report.get("latencyDistribution") or []}
    ok = int((report.get("statusCodeDistribution") or {}).get("OK", 0))
    # ghz ends a -z run by closing the connection under the calls still in flight; those are the
    # run's end, not the server's failures.
    errors = sum(
        int(n)
        for message, n in (report.get("errorDistribution") or {}).items()
        if not any(cut in message for cut in _CUT_AT_END)
    )
    return Cell(
        peer=peer,
        concurrency=concurrency,
        rps=ok / (report["total"] / 1e9),
        p50_ms=percentiles.get(50, 0) / 1e6,
        p99_ms=percentiles.get(99, 0) / 1e6,
        requests=ok,
        errors=errors,
        driver="ghz",
    )
