"""A key's quota: requests and tokens per UTC day or month, and where its window begins and ends."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Literal

__all__ = ["WINDOWS", "Quota", "Window"]

Window = Literal["day", "month"]
WINDOWS: tuple[Window, ...] = ("day", "month")


@dataclass(frozen=True, slots=True, kw_only=True)
class Quota:
    """What one key may spend per window; a None limit is no limit on that unit."""

    requests: int | None = None
    """Calls admitted per window."""
    tokens: int | None = None
    """Prompt plus completion tokens per window (as cords report them through ``context.add_usage``)."""
    window: Window = "day"
    """Calendar windows in UTC: they reset at 00:00 UTC (every day, or on the 1st of the month)."""

    def __post_init__(self) -> None:
        if self.window not in WINDOWS:
            raise ValueError(f"quota window must be 'day' or 'month', not {self.window!r}")
        for name in ("requests", "tokens"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise ValueError(f"quota {name} must be a whole number >= 0, not {value!r}")

    @property
    def limited(self) -> bool:
        return self.requests is not None or self.tokens is not None

    def bounds(self, now: float) -> tuple[int, int]:
        """The window holding ``now`` (unix seconds) as [start, end) in whole unix seconds."""
        day = int(now // 86400) * 86400  # unix time has no leap seconds: every UTC day is 86400 s
        if self.window == "day":
            return day, day + 86400
        return _month(day)


@functools.lru_cache(maxsize=64)
def _month(day: int) -> tuple[int, int]:
    start = dt.datetime.fromtimestamp(day, dt.UTC).replace(day=1)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return int(start.timestamp()), int(end.timestamp())
