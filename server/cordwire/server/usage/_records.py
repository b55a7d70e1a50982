"""What usage is counted in: per key, hour, chute, cord and model, a fixed row of whole numbers."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["COUNTERS", "HOUR", "RETENTION_DAYS", "Counts", "Row", "Slot", "add_into", "hour_of"]

HOUR = 3600
RETENTION_DAYS = 90
"""Usage older than this is deleted (SQLite: pruned hourly; Redis: each hour's hash expires)."""

COUNTERS = (
    "requests",
    "errors_4xx",
    "errors_5xx",
    "prompt_tokens",
    "completion_tokens",
    "bytes_in",
    "bytes_out",
    "duration_ms",
)
"""The columns of a usage row, in order. Errors are split by status class: 4xx (the caller's,
cancellations included as 499) and 5xx (the server's)."""

Slot = tuple[str, int, str, str, str]
"""(key id, hour start in unix seconds, chute id, cord name, model) — one row's identity."""
Counts = list[int]
"""One number per :data:`COUNTERS` entry."""
Row = tuple[Slot, Counts]


def hour_of(now: float) -> int:
    return int(now // HOUR) * HOUR


def add_into(into: dict[Slot, Counts], rows: Iterable[Row]) -> None:
    """Sum ``rows`` into ``into`` by slot."""
    for slot, counts in rows:
        have = into.get(slot)
        if have is None:
            into[slot] = list(counts)
        else:
            for i, value in enumerate(counts):
                have[i] += value
