"""Load generators, each in its own process: wrk (HTTP), ghz (gRPC), a Python grpc.aio loop (direct
Triton gRPC, labelled as Python-driven), and sseload (streams)."""

from __future__ import annotations

import dataclasses

__all__ = ["Cell"]


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Cell:
    """One peer at one concurrency: a row of the results table."""

    peer: str
    concurrency: int
    rps: float
    """Completed requests per second over the measured window."""
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    """Non-2xx answers, socket errors and timeouts (gRPC: non-OK statuses)."""
    driver: str
    """What generated the load: ``wrk``, ``ghz`` or ``python``."""
