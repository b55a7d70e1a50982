"""Quotas: 429 quota_exceeded with Retry-After until the window resets, over HTTP and gRPC."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest

from cordwire.server.admission import Quota

from .conftest import DAY0, T0, Metered, iso


async def test_requests_over_quota_get_429_until_the_day_ends(metered: Metered) -> None:
    assert [(await metered.echo("capped")).status_code for _ in range(2)] == [200, 200]
    refused = await metered.echo("capped")
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == "quota_exceeded"
    assert "2 of 2 requests" in error["message"] and iso(DAY0 + 86400) in error["message"]
    assert refused.headers["retry-after"] == str(DAY0 + 86400 - int(T0))  # 14 h to midnight UTC
    # Refused calls are not served, so they are not counted (nor do they push the reset back).
    assert (await metered.usage("capped"))["totals"]["requests"] == 2
    assert (await metered.echo("alice")).status_code == 200  # other keys are unaffected

    metered.now[0] = DAY0 + 86400 + 1  # the next UTC day: a fresh window
    assert (await metered.echo("capped")).status_code == 200


async def test_grpc_callers_get_resource_exhausted_with_retry_after(metered: Metered) -> None:
    request = metered.server.cords["Echo"].input_class(text="x")
    echo = metered.method("Echo")
    for _ in range(2):
        await echo(request, metadata=metered.grpc_auth("capped"))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await echo(request, metadata=metered.grpc_auth("capped"))
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    trailers = dict(caught.value.trailing_metadata() or ())
    assert trailers["cordwire-error-reason"] == "quota_exceeded"
    assert trailers["retry-after"] == str(DAY0 + 86400 - int(T0))


async def test_tokens_count_prompt_and_completion(metered: Metered) -> None:
    # Each call: 4 prompt tokens (words) + 3 completion tokens = 7, against a quota of 10.
    assert (await metered.echo("frugal", "a b c d")).status_code == 200
    assert (await metered.echo("frugal", "a b c d")).status_code == 200  # 7 < 10: admitted, ends at 14
    refused = await metered.echo("frugal", "a")
    assert refused.status_code == 429 and "14 of 10 tokens" in refused.json()["error"]["message"]
    totals = (await metered.usage("frugal"))["totals"]
    assert totals["prompt_tokens"] + totals["completion_tokens"] == 14


async def test_a_quota_change_applies_to_the_next_call(metered: Metered) -> None:
    for _ in range(3):
        assert (await metered.echo("alice")).status_code == 200
    keys = metered.store
    assert keys.set_quota("alice", Quota(requests=3, window="month"))
    refused = await metered.echo("alice")
    assert refused.status_code == 429 and "this month" in refused.json()["error"]["message"]
    assert keys.set_quota("alice", None)
    assert (await metered.echo("alice")).status_code == 200


@pytest.mark.parametrize(
    ("now", "window", "start", "end"),
    [
        ("2025-12-02T10:00:00Z", "day", "2025-12-02T00:00:00Z", "2025-12-03T00:00:00Z"),
        ("2025-12-31T23:59:59Z", "day", "2025-12-31T00:00:00Z", "2026-01-01T00:00:00Z"),
        ("2025-12-02T10:00:00Z", "month", "2025-12-01T00:00:00Z", "2026-01-01T00:00:00Z"),
        ("2024-02-29T12:00:00Z", "month", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"),
        ("2026-01-01T00:00:00Z", "month", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),
    ],
)
def test_windows_are_utc_calendar_days_and_months(now: str, window: str, start: str, end: str) -> None:
    seconds = dt.datetime.fromisoformat(now).timestamp()
    bounds = Quota(requests=1, window=window).bounds(seconds)  # type: ignore[arg-type]
    assert (iso(bounds[0]), iso(bounds[1])) == (start, end)
