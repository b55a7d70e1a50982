"""The HTTP conformance table (cases/http.json), each row run in-process and over remote gRPC.

A row's ``request`` has ``method``, ``path`` (query string included, sent as written),
``headers``, and one of ``json`` (sent as application/json), ``body`` (text as is) or
``body_size`` (that many ``x``); ``chunked`` sends the body without a Content-Length and
``gateway: "single"`` uses a gateway serving only the main chute, ``"lenient"`` one with
``ignore_unknown_query_parameters`` and ``match_empty_segments`` set. Its ``expect`` has ``status``
and any of: ``json`` (exact), ``json_subset``, ``text``, ``headers`` (``"*"``: present),
``absent_headers``, ``sse`` and ``ndjson`` (the decoded events, ``"[DONE]"`` as a string).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from .conftest import Chutes, client_for, load_cases


@pytest.mark.parametrize("case", load_cases("http.json"))
async def test_http_case(case: dict[str, Any], chutes: Chutes, mode: str) -> None:
    req = case["request"]
    gateway = chutes.gateways[f"{mode}/{req['gateway']}" if "gateway" in req else mode]
    async with client_for(gateway) as client:
        response = await client.send(_build(client, req))
    check(response, case["expect"])


def _build(client: httpx.AsyncClient, req: dict[str, Any]) -> httpx.Request:
    # latin-1, so a case can send the non-ASCII header values a real client might.
    headers = {k: v.encode("latin-1") for k, v in req.get("headers", {}).items()}
    content: Any = None
    if "json" in req:
        content = json.dumps(req["json"]).encode()
        headers.setdefault("content-type", b"application/json")
    elif "body" in req:
        content = req["body"].encode()
    elif "body_size" in req:
        content = b"x" * req["body_size"]
    if req.get("chunked") and content is not None:
        content = _chunks(content)
    # The path goes out exactly as written: httpx would otherwise normalise its escapes.
    path, _, query = req["path"].partition("?")
    url = client.base_url.copy_with(raw_path=req["path"].encode()) if query or "%" in path else req["path"]
    return client.build_request(req["method"], url, headers=headers, content=content)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for i in range(0, len(data), 4096):
        yield data[i : i + 4096]


def check(response: httpx.Response, expect: dict[str, Any]) -> None:
    where = (
        f"{response.request.method} {response.request.url} -> {response.status_code} {response.text[:500]!r}"
    )
    assert response.status_code == expect["status"], where
    for name, value in expect.get("headers", {}).items():
        assert name in response.headers, f"missing header {name}: {where}"
        if value != "*":
            assert response.headers[name] == value, f"header {name}: {where}"
    for name in expect.get("absent_headers", ()):
        assert name not in response.headers, f"unexpected header {name}: {where}"
    if "json" in expect:
        assert response.headers["content-type"] == "application/json", where
        assert response.json() == expect["json"], where
    if "json_subset" in expect:
        assert_subset(response.json(), expect["json_subset"], where)
    if "text" in expect:
        assert response.text == expect["text"], where
    if "sse" in expect:
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8", where
        assert sse_events(response.text) == expect["sse"], where
    if "ndjson" in expect:
        assert response.headers["content-type"] == "application/x-ndjson", where
        assert [json.loads(line) for line in response.text.splitlines()] == expect["ndjson"], where


def sse_events(text: str) -> list[Any]:
    """The data of each event; every event is exactly one ``data:`` line and a blank line."""
    assert text.endswith("\n\n"), text
    events = []
    for block in text[:-2].split("\n\n"):
        assert block.startswith("data: ") and "\n" not in block, block
        data = block[len("data: ") :]
        events.append(data if data == "[DONE]" else json.loads(data))
    return events


def assert_subset(actual: Any, expected: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"missing {key!r}: {where}"
            assert_subset(actual[key], value, where)
    else:
        assert actual == expected, where
