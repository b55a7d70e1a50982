"""Counts after known calls, read back through GET /v1/usage: unary, streamed, cancelled, failed."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from .chute import ECHO_MODEL, STREAM_MODEL
from .conftest import DAY0, T0, Metered, iso

ZERO = {"requests": 0, "errors": 0, "prompt_tokens": 0, "completion_tokens": 0, "bytes_in": 0, "bytes_out": 0}


async def test_unary_calls_over_both_transports_are_counted(metered: Metered) -> None:
    assert (await metered.echo("alice", "a b c")).status_code == 200
    request = metered.server.cords["Echo"].input_class(text="x y")
    await metered.method("Echo")(request, metadata=metered.grpc_auth("alice"))
    body = await metered.usage("alice", group_by="chute,cord,model", bucket="hour")
    assert body["data"] == [
        {
            "start": iso(T0),
            "end": iso(T0 + 3600),
            "chute": "usage-probe",
            "cord": "Echo",
            "model": ECHO_MODEL,
            "requests": 2,
            "errors": 0,
            "prompt_tokens": 5,  # one per word
            "completion_tokens": 6,
            # Protobuf wire sizes: field tag + length + text, whichever transport carried them.
            "bytes_in": (2 + 5) + (2 + 3),
            "bytes_out": (2 + 5) + (2 + 3),
        }
    ]
    assert body["totals"] == {k: v for k, v in body["data"][0].items() if k in ZERO}


async def test_streams_count_when_they_end_with_their_tokens(metered: Metered) -> None:
    response = await metered.http.post("/v1/stream", json={"n": 4}, headers=metered.auth("alice"))
    assert response.status_code == 200 and response.text.count("data: {") == 4
    totals = (await metered.usage("alice"))["totals"]
    assert totals["requests"] == 1 and totals["completion_tokens"] == 4 and totals["errors"] == 0
    assert totals["bytes_in"] == 2 and totals["bytes_out"] == 0 + 2 + 2 + 2  # i=0 encodes as nothing


async def test_a_stream_cancelled_midway_counts_what_it_used(metered: Metered) -> None:
    request = metered.server.cords["Stream"].input_class(n=3, hold=True)
    call = metered.method("Stream")(request, metadata=metered.grpc_auth("alice"))
    seen = [await call.read() for _ in range(3)]
    assert [m.i for m in seen] == [0, 1, 2]
    call.cancel()
    assert await metered.server.invoker.drain(10)
    body = await metered.usage("alice", group_by="model")
    assert body["data"][0]["model"] == STREAM_MODEL
    # The call was cut off by its caller: a 499, counted in the caller's (4xx) class.
    assert body["totals"] | {"bytes_in": 0, "bytes_out": 0} == ZERO | {
        "requests": 1,
        "errors": 1,
        "completion_tokens": 3,
    }


@pytest.mark.parametrize(("text", "status"), [("fail", 400), ("boom", 500)])
async def test_failed_calls_count_as_errors(metered: Metered, text: str, status: int) -> None:
    assert (await metered.echo("alice", text)).status_code == status
    assert (await metered.echo("alice", "ok")).status_code == 200
    totals = (await metered.usage("alice"))["totals"]
    assert (totals["requests"], totals["errors"], totals["prompt_tokens"]) == (2, 1, 1)


async def test_unadmitted_calls_are_charged_to_nobody(metered: Metered) -> None:
    assert (await metered.http.post("/v1/echo", json={"text": "x"})).status_code == 401
    assert (await metered.usage("alice"))["totals"] == ZERO


async def test_another_key_cannot_read_them(metered: Metered) -> None:
    for _ in range(3):
        await metered.echo("alice")
    assert (await metered.usage("alice"))["totals"]["requests"] == 3
    assert (await metered.usage("bob")) == {"data": [], "totals": ZERO}
    anonymous = await metered.http.get("/v1/usage")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "invalid_api_key"


async def test_buckets_and_groups(metered: Metered) -> None:
    await metered.echo("alice")
    metered.now[0] += 3600  # the next hour, the same day
    await metered.echo("alice")
    await metered.http.post("/v1/stream", json={"n": 1}, headers=metered.auth("alice"))
    window = {"start": iso(DAY0), "end": iso(DAY0 + 86400)}
    by_hour = await metered.usage("alice", bucket="hour", **window)
    assert [(d["start"], d["requests"]) for d in by_hour["data"]] == [
        (iso(T0), 1),
        (iso(T0 + 3600), 2),
    ]
    assert all("cord" not in d and "model" not in d and "chute" not in d for d in by_hour["data"])
    by_day = await metered.usage("alice", group_by="cord", **window)
    assert [(d["start"], d["end"], d["cord"], d["requests"]) for d in by_day["data"]] == [
        (iso(DAY0), iso(DAY0 + 86400), "Echo", 2),
        (iso(DAY0), iso(DAY0 + 86400), "Stream", 1),
    ]
    earlier = await metered.usage("alice", start=iso(DAY0 - 86400), end=iso(T0))
    assert earlier["data"] == [] and earlier["totals"]["requests"] == 0
    # A range wider than what is kept (90 days) is narrowed to it, never refused.
    everything = await metered.usage("alice", start="2000-01-01T00:00:00Z", end="2100-01-01T00:00:00Z")
    assert everything["totals"]["requests"] == 3
    by_date = await metered.usage("alice", start=iso(DAY0)[:10])  # a date alone: midnight UTC
    assert by_date["totals"]["requests"] == 3


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ({"bucket": "week"}, "bucket"),
        ({"group_by": "key"}, "group_by"),
        ({"start": "yesterday"}, "start"),
        ({"start": "2025-12-02T00:00:00"}, "start"),  # no offset: not RFC 3339
        ({"start": "2025-12-03T00:00:00Z", "end": "2025-12-02T00:00:00Z"}, "start"),
        ({"limit": "3"}, "limit"),
    ],
)
async def test_bad_parameters_are_400s_naming_them(
    metered: Metered, query: dict[str, str], param: str
) -> None:
    response = await metered.http.get("/v1/usage", params=query, headers=metered.auth("alice"))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param and error["type"] == "invalid_request_error" and error["message"]


async def test_concurrent_calls_all_count(metered: Metered) -> None:
    results = await asyncio.gather(*(metered.echo("alice", "w") for _ in range(50)))
    assert {r.status_code for r in results} == {200}
    assert (await metered.usage("alice"))["totals"]["requests"] == 50


async def test_grpc_errors_are_counted_too(metered: Metered) -> None:
    request = metered.server.cords["Echo"].input_class(text="fail")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await metered.method("Echo")(request, metadata=metered.grpc_auth("alice"))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (await metered.usage("alice"))["totals"]["errors"] == 1
