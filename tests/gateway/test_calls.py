"""The HttpCall the gateway's entry reads from an ASGI scope, once per request."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest

from cordwire.gateway._calls import new_request_id, read_call


def _scope(**overrides: Any) -> dict[str, Any]:
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "https",
        "path": "/v1/a b",
        "raw_path": b"/v1/a%20b?x=1",
        "query_string": b"x=1&x=2",
        "headers": [
            (b"host", b"chute.example.com"),
            (b"x-tag", b"one"),
            (b"x-tag", b"two"),
            (b"x-latin", "caf\u00e9".encode("latin-1")),
            (b"x-request-id", b"req-1"),
        ],
        "client": ("10.0.0.7", 51000),
        "server": ("10.0.0.1", 8000),
    }
    return {**scope, **overrides}


def test_reads_every_part_of_the_request() -> None:
    call = read_call(_scope())
    assert (call.method, call.scheme, call.host) == ("POST", "https", "chute.example.com")
    assert (call.path, call.raw_path, call.query_string) == ("/v1/a b", "/v1/a%20b", b"x=1&x=2")
    assert (call.peer, call.request_id, call.body) == ("10.0.0.7:51000", "req-1", b"")


def test_headers_keep_repeats_and_order() -> None:
    headers = read_call(_scope()).headers
    assert headers.get("x-tag") == "one" and headers.get("X-Tag") == "one"
    assert headers.getlist("x-tag") == ["one", "two"]
    assert headers.get("x-latin") == "caf\u00e9"
    assert headers.get("absent") == "" and headers.get("absent", "-") == "-"
    assert headers.getlist("absent") == []
    assert list(headers)[:3] == [("host", "chute.example.com"), ("x-tag", "one"), ("x-tag", "two")]
    assert len(headers) == 5


@pytest.mark.parametrize(
    ("overrides", "host", "raw_path", "peer"),
    [
        # No Host header: the server's address; no raw_path: the decoded path; no client: no peer.
        ({"headers": [], "raw_path": None, "client": None}, "10.0.0.1:8000", "/v1/a b", ""),
        ({"headers": [], "server": None, "raw_path": b"?only=query"}, "", "/v1/a b", "10.0.0.7:51000"),
    ],
)
def test_fallbacks(overrides: dict[str, Any], host: str, raw_path: str, peer: str) -> None:
    call = read_call(_scope(**overrides))
    assert (call.host, call.raw_path, call.peer) == (host, raw_path, peer)


def test_a_request_without_an_id_gets_a_uuid4() -> None:
    ids = {read_call(_scope(headers=[])).request_id for _ in range(50)}
    assert len(ids) == 50
    for request_id in ids:
        assert uuid.UUID(hex=request_id).version == 4 and uuid.UUID(hex=request_id).hex == request_id
    parsed = uuid.UUID(hex=new_request_id())
    assert parsed.variant == uuid.RFC_4122


def test_with_body_keeps_everything_else() -> None:
    call = read_call(_scope())
    assert call.with_body(b"{}") == dataclasses.replace(call, body=b"{}")
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.body = b"x"  # type: ignore[misc]
