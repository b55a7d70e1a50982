"""Reading usage: the query `GET /v1/usage` takes, and the answer it gives (the public shape)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl

from cordwire import Code, CordError

from ._records import COUNTERS, HOUR, RETENTION_DAYS, Counts, Row

__all__ = ["GROUPS", "UsageQuery", "parse_query", "render", "rfc3339"]

GROUPS = ("chute", "cord", "model")
_BUCKETS = {"hour": HOUR, "day": 86400}
_DEFAULT_RANGE = 86400
_PUBLIC = ("requests", "errors", "prompt_tokens", "completion_tokens", "bytes_in", "bytes_out")
_INDEX = {name: i for i, name in enumerate(COUNTERS)}


@dataclass(frozen=True, slots=True, kw_only=True)
class UsageQuery:
    start: int
    """Unix seconds, floored to the hour (usage is kept by the hour)."""
    end: int
    """Unix seconds, exclusive, rounded up to the hour."""
    bucket: Literal["hour", "day"] = "day"
    group_by: tuple[str, ...] = ()


def parse_query(query_string: str, now: float) -> UsageQuery:
    """``start``, ``end`` (RFC 3339; default: the 24 hours up to the end of this hour),
    ``bucket`` (``hour`` or ``day``, default ``day``), ``group_by`` (``chute``, ``cord``,
    ``model``: comma-separated or repeated). Anything else, or a bad value, is INVALID_ARGUMENT
    (400) naming the parameter."""
    values: dict[str, str] = {}
    groups: list[str] = []
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        if name == "group_by":
            groups.extend(g.strip() for g in value.split(",") if g.strip())
        elif name in ("start", "end", "bucket"):
            if name in values:
                raise _invalid(f"{name} is given twice", name)
            values[name] = value
        else:
            raise _invalid(f"unknown parameter {name!r}; expected start, end, bucket, group_by", name)
    for group in groups:
        if group not in GROUPS:
            raise _invalid(f"group_by takes chute, cord or model, not {group!r}", "group_by")
    bucket = values.get("bucket", "day")
    if bucket not in _BUCKETS:
        raise _invalid(f"bucket must be 'hour' or 'day', not {bucket!r}", "bucket")
    # By default, up to the end of the current hour: it holds the calls made just now.
    end = _time(values["end"], "end") if "end" in values else (now // HOUR + 1) * HOUR
    start = _time(values["start"], "start") if "start" in values else end - _DEFAULT_RANGE
    if start >= end:
        raise _invalid("start must be before end", "start")
    # Nothing is kept outside [now - retention, now]: a wider range is narrowed to it, so that a
    # caller asking for "everything" gets it, and a Redis read walks a bounded number of hours.
    start = max(start, (now // HOUR - RETENTION_DAYS * 24 - 1) * HOUR)
    end = max(start, min(end, (now // HOUR + 1) * HOUR))
    return UsageQuery(
        start=int(start // HOUR) * HOUR,
        end=-int(-end // HOUR) * HOUR,
        bucket=bucket,  # type: ignore[arg-type]
        group_by=tuple(g for g in GROUPS if g in groups),
    )


def _time(text: str, param: str) -> float:
    try:
        when = dt.datetime.fromisoformat(text)
        if len(text) == 10:  # a full-date alone (RFC 3339's full-date): midnight UTC
            when = when.replace(tzinfo=dt.UTC)
    except ValueError:
        raise _invalid(f"{param} must be an RFC 3339 time such as 2026-01-31T00:00:00Z", param) from None
    if when.tzinfo is None:
        raise _invalid(f"{param} needs a time zone offset (Z or ±hh:mm), as RFC 3339 requires", param)
    return when.timestamp()


def _invalid(message: str, param: str) -> CordError:
    return CordError(Code.INVALID_ARGUMENT, message, param=param)


def rfc3339(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render(rows: Iterable[Row], query: UsageQuery, *, detail: bool = False) -> dict[str, Any]:
    """``{"data": [...], "totals": {...}}``, one entry per bucket and group with any usage, in time
    order. ``detail`` adds errors by class and time spent (for the operator's CLI)."""
    width = _BUCKETS[query.bucket]
    picks = [GROUPS.index(g) for g in query.group_by]
    groups: dict[tuple[int, tuple[str, ...]], Counts] = {}
    totals = [0] * len(COUNTERS)
    for (_, hour, *names), counts in rows:
        if not query.start <= hour < query.end:
            continue
        ident = (hour - hour % width, tuple(names[i] for i in picks))
        into = groups.setdefault(ident, [0] * len(COUNTERS))
        for i, value in enumerate(counts):
            into[i] += value
            totals[i] += value
    data = []
    for ident in sorted(groups):
        entry: dict[str, Any] = {"start": rfc3339(ident[0]), "end": rfc3339(ident[0] + width)}
        entry.update(zip(query.group_by, ident[1], strict=True))
        entry.update(_numbers(groups[ident], detail))
        data.append(entry)
    return {"data": data, "totals": _numbers(totals, detail)}


def _numbers(counts: Counts, detail: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _PUBLIC:
        if name == "errors":
            out[name] = counts[_INDEX["errors_4xx"]] + counts[_INDEX["errors_5xx"]]
        else:
            out[name] = counts[_INDEX[name]]
    if detail:
        out["errors_4xx"] = counts[_INDEX["errors_4xx"]]
        out["errors_5xx"] = counts[_INDEX["errors_5xx"]]
        out["duration_s"] = round(counts[_INDEX["duration_ms"]] / 1000, 3)
    return out
