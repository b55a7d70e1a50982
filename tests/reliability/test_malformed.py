# ruff: noqa: E501  (the corpus is a table: one request per line reads better than wrapped rows)
"""A corpus of malformed requests, sent as raw bytes to the gateway on a real socket.

Every row is answered with a 4xx and the error JSON — never a 5xx, never a hang. A few are
refused by uvicorn before the gateway sees them (a broken request line or chunk framing); uvicorn
answers those with its own plain-text 400 and closes, which the rows say (``error_json=False``).
Rows whose ``why`` starts with KNOWN are leniencies that are answered 200, kept here so a change
in them shows (RELIABILITY.md lists them); truncated bodies get no answer (the client is gone).
The transcoding conformance chute serves (no Triton); the body deadline is shortened to 1 s so
the slow-body rows stay quick.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cordwire.gateway import create_app
from cordwire.testing import serve_chute
from tests.gateway_e2e.chute import make_chute

from .serving import gateway_socket

BODY_TIMEOUT = 1.0
ANSWER_WITHIN = 10.0  # no row may take longer to be answered (or closed)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Row:
    id: str
    why: str
    request: bytes
    """Sent as is (``{host}`` and ``{length}`` filled in); then ``trickle`` if any."""
    status: int
    error_json: bool = True
    """The body is the gateway's ``{"error": {...}}`` (False: uvicorn answered itself)."""
    trickle: bytes = b""
    """Sent one byte per ``trickle_every`` seconds after ``request`` (slow bodies)."""
    trickle_every: float = 0.1
    close_write: bool = False
    """Half-close after sending: the body ends early (a truncated upload)."""
    code: str | None = None
    """The error JSON's ``code``, where it matters."""


def post(path: str, body: bytes, content_type: bytes = b"application/json", extra: bytes = b"") -> bytes:
    return (
        b"POST " + path.encode() + b" HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
        b"Content-Type: " + content_type + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\n"
        + extra + b"\r\n" + body
    )  # fmt: skip


def get(target: bytes, extra: bytes = b"") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n" + extra + b"\r\n"


ECHO = "/v1/search:echo"  # SearchRequest in and out, body "*": every scalar type and WKT
COMPLETE = "/v1/completions"  # a plain body "*" message without a small body limit


def nested(depth: int, field: str = "extra") -> bytes:
    """A body ``depth`` JSON objects deep (the outer one included), ``field`` holding the rest."""
    inner = depth - 2
    return b'{"' + field.encode() + b'": ' + b'{"a": ' * inner + b"{}" + b"}" * inner + b"}"


ROWS = [
    # -- invalid UTF-8 -------------------------------------------------------------------------
    Row(id="utf8-body", why="a JSON string with a raw 0xFF byte", request=post(ECHO, b'{"query": "\xff"}'), status=400),
    Row(id="utf8-body-overlong", why="an overlong encoding of '/'", request=post(ECHO, b'{"query": "\xc0\xaf"}'), status=400),
    Row(id="utf8-lone-surrogate", why="a JSON escape for half a surrogate pair", request=post(ECHO, b'{"query": "\\ud800"}'), status=400),
    Row(id="utf8-path-escaped", why="%FF decodes to no UTF-8", request=get(b"/v1/books/%FF"), status=400),
    Row(id="utf8-path-raw", why="uvicorn refuses a non-ASCII request target", request=get(b"/v1/books/\xff"), status=400, error_json=False),
    Row(id="utf8-query-escaped", why="%FF in a query value", request=get(b"/v1/search?query=%FF"), status=400),
    Row(id="utf8-query-raw", why="uvicorn refuses a non-ASCII request target", request=get(b"/v1/search?query=\xff"), status=400, error_json=False),
    Row(id="path-bad-escape", why="a % without two hex digits", request=get(b"/v1/books/%zz"), status=400),
    # -- nesting and numbers ---------------------------------------------------------------------
    Row(id="depth-10000-arrays", why="orjson stops at depth 1024: a parse error", request=post(COMPLETE, b'{"prompt": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"), status=400),
    Row(id="depth-10000-objects", why="orjson's limit, in objects", request=post(COMPLETE, nested(10_000, "prompt")), status=400),
    Row(id="depth-1000-objects", why="within orjson's limit: the gateway's own (32)", request=post(COMPLETE, nested(1_000, "prompt")), status=400),
    Row(id="depth-33-struct", why="one past the gateway's limit, in a Struct", request=post(ECHO, nested(33)), status=400),
    Row(id="depth-32-struct", why="at the limit: bound, echoed and shaped back", request=post(ECHO, nested(32)), status=200, error_json=False),
    Row(id="depth-32-lists", why="at the limit, in a ListValue", request=post(ECHO, b'{"extra": {"a": ' + b"[" * 30 + b"]" * 30 + b"}}"), status=200, error_json=False),
    Row(id="number-1e400-int32", why="overflows a double", request=post(ECHO, b'{"limit": 1e400}'), status=400),
    Row(id="number-1e400-double", why="overflows a double", request=post(ECHO, b'{"score": 1e400}'), status=400),
    Row(id="number-2pow70-int32", why="beyond int32", request=post(ECHO, b'{"limit": 1180591620717411303424}'), status=400),
    Row(id="number-2pow70-int64", why="beyond int64", request=post(ECHO, b'{"offset": 1180591620717411303424}'), status=400),
    Row(id="number-2pow70-int64-string", why="beyond int64, as a string", request=post(ECHO, b'{"offset": "1180591620717411303424"}'), status=400),
    Row(id="number-float-overflow", why="beyond float32", request=post(ECHO, b'{"ratio": 1e39}'), status=400),
    Row(id="number-fraction-int", why="a fraction for an integer", request=post(ECHO, b'{"limit": 1.5}'), status=400),
    Row(id="number-query-int32", why="beyond int32 in the query", request=get(b"/v1/search?limit=99999999999"), status=400),
    # -- wrong types and shapes ------------------------------------------------------------------
    Row(id="type-string-for-int", why="", request=post(ECHO, b'{"limit": "many"}'), status=400),
    Row(id="type-number-for-string", why="", request=post(ECHO, b'{"query": 5}'), status=400),
    Row(id="type-string-for-list", why="", request=post(ECHO, b'{"tags": "x"}'), status=400),
    Row(id="type-list-for-message", why="KNOWN LENIENCY: json_format reads [] as an empty message (Go's protojson refuses it)", request=post(ECHO, b'{"filter": []}'), status=200, error_json=False),
    Row(id="type-bad-enum", why="", request=post(ECHO, b'{"color": "PURPLE"}'), status=400),
    Row(id="type-bad-timestamp", why="", request=post(ECHO, b'{"after": "yesterday"}'), status=400),
    Row(id="type-bad-base64", why="KNOWN LENIENCY: json_format's base64 skips non-alphabet characters", request=post(ECHO, b'{"token": "***"}'), status=200, error_json=False),
    Row(id="type-unknown-field", why="", request=post(ECHO, b'{"nope": 1}'), status=400),
    Row(id="type-oneof-twice", why="both members of a oneof", request=post(ECHO, b'{"page_token": "a", "page_number": 2}'), status=400),
    Row(id="type-both-names", why="one field by its proto and its JSON name", request=post(ECHO, b'{"page_number": 1, "pageNumber": 2}'), status=400),
    Row(id="type-duplicate-key", why="KNOWN LENIENCY: orjson keeps the last of duplicate keys (protojson refuses)", request=post(ECHO, b'{"query": "a", "query": "b"}'), status=200, error_json=False),
    Row(id="body-array", why="a list where an object belongs", request=post(ECHO, b"[1, 2]"), status=400),
    Row(id="body-string", why="a string where an object belongs", request=post(ECHO, b'"hello"'), status=400),
    Row(id="body-null", why="null where an object belongs", request=post(ECHO, b"null"), status=400),
    Row(id="body-trailing-garbage", why="", request=post(ECHO, b'{"query": "a"} x'), status=400),
    Row(id="body-truncated-json", why="", request=post(ECHO, b'{"query": "a'), status=400),
    Row(id="body-nul-bytes", why="", request=post(ECHO, b"\x00" * 64), status=400),
    Row(id="body-too-large", why="over the cord's max_body_bytes", request=post(ECHO, b"{" + b" " * 8192 + b"}"), status=413),
    Row(id="header-bad-timeout", why="a Grpc-Timeout that is not one", request=get(b"/v1/search", b"Grpc-Timeout: soon\r\n"), status=400),
    # -- content types ---------------------------------------------------------------------------
    Row(id="ctype-xml", why="", request=post(COMPLETE, b"<a/>", b"application/xml"), status=415),
    Row(id="ctype-octet-stream", why="", request=post(COMPLETE, b"\x00\x01", b"application/octet-stream"), status=415),
    Row(id="ctype-form-not-json", why="a form body is read as JSON", request=post(COMPLETE, b"a=b&c=d", b"application/x-www-form-urlencoded"), status=400),
    Row(id="ctype-multipart-no-boundary", why="", request=post(COMPLETE, b"--x\r\n", b"multipart/form-data"), status=400),
    Row(id="ctype-multipart-garbage", why="", request=post(COMPLETE, b"garbage", b"multipart/form-data; boundary=x"), status=400),
    # -- HTTP framing ----------------------------------------------------------------------------
    Row(id="header-huge", why="KNOWN: uvicorn with httptools sets no header size limit (h11's is 16 KiB)", request=get(b"/v1/search", b"X-Big: " + b"a" * (1 << 20) + b"\r\n"), status=200, error_json=False),
    Row(id="header-many", why="10,000 headers", request=get(b"/v1/search", b"X-A: b\r\n" * 10_000), status=200, error_json=False),
    Row(id="content-length-not-a-number", why="uvicorn refuses the framing", request=post(ECHO, b"{}", extra=b"Content-Length: x\r\n"), status=400, error_json=False),
    Row(id="chunked-bad-size", why="a chunk size that is not hex", request=post(ECHO, b"", extra=b"Transfer-Encoding: chunked\r\n").replace(b"Content-Length: 0\r\n", b"") + b"zz\r\n{}\r\n0\r\n\r\n", status=400, error_json=False),
    Row(id="request-line-garbage", why="", request=b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello\r\n\r\n", status=400, error_json=False),
    # -- slow and truncated bodies ---------------------------------------------------------------
    Row(id="slow-body", why="a byte per 100 ms: 408 once the body deadline passes", request=post(ECHO, b"").replace(b"Content-Length: 0", b"Content-Length: 100"), trickle=b" " * 40, status=408, code="request_timeout"),
    Row(id="slow-chunked-body", why="chunks that never end", request=post(ECHO, b"", extra=b"Transfer-Encoding: chunked\r\n").replace(b"Content-Length: 0\r\n", b""), trickle=b"1\r\n \r\n" * 8, status=408),
    Row(id="truncated-body", why="Content-Length 100, 10 bytes, then EOF: nobody to answer", request=post(ECHO, b"").replace(b"Content-Length: 0", b"Content-Length: 100") + b'{"query":', close_write=True, status=0),
    Row(id="truncated-chunked", why="a chunk cut short, then EOF", request=post(ECHO, b"", extra=b"Transfer-Encoding: chunked\r\n").replace(b"Content-Length: 0\r\n", b"") + b"10\r\n{\"q", close_write=True, status=0),
]  # fmt: skip


@pytest.fixture(scope="module")
async def base() -> AsyncIterator[tuple[str, int]]:
    async with (
        serve_chute(make_chute("hostile", "input"), grace=0.5) as running,
        gateway_socket(create_app(running.server, body_timeout=BODY_TIMEOUT)) as url,
    ):
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)


async def exchange(host: str, port: int, row: Row) -> bytes:
    """Send the row; everything the server sends until it closes (``Connection: close`` on every row).

    Reading runs beside writing, and keeps what arrived: a server that answers early and closes on
    a client still sending may reset the connection, and the answer must not be lost with it.
    """
    reader, writer = await asyncio.open_connection(host, port)
    received = bytearray()

    async def read_all() -> None:
        with contextlib.suppress(ConnectionResetError):
            while chunk := await reader.read(65536):
                received.extend(chunk)

    reading = asyncio.ensure_future(read_all())
    try:
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            writer.write(row.request.replace(b"{host}", f"{host}:{port}".encode()))
            await writer.drain()
            for byte in row.trickle:
                if reading.done():
                    break
                # The point of the row is a client this slow; an answer ends it early.
                await asyncio.wait({reading}, timeout=row.trickle_every)
                writer.write(bytes([byte]))
                await writer.drain()
            if row.close_write:
                writer.write_eof()
        await reading
        return bytes(received)
    finally:
        reading.cancel()
        writer.close()


def parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (h.decode("latin-1").partition(":") for h in lines[1:])
    }
    return status, headers, body


@pytest.mark.parametrize("row", [pytest.param(r, id=r.id) for r in ROWS])
async def test_malformed_request_is_a_4xx_never_a_5xx_or_a_hang(base: tuple[str, int], row: Row) -> None:
    started = time.monotonic()
    raw = await asyncio.wait_for(exchange(*base, row), ANSWER_WITHIN)
    took = time.monotonic() - started
    if row.status == 0:
        assert raw == b"", f"an answer to a client that is gone: {raw[:200]!r}"
        return
    assert raw, "the connection closed without an answer"
    status, headers, body = parse(raw)
    assert status == row.status, body[:300]
    if row.error_json:
        error: dict[str, Any] = json.loads(body)["error"]
        assert set(error) == {"message", "type", "param", "code"}
        assert headers["content-type"] == "application/json"
        if row.code:
            assert error["code"] == row.code
    if row.trickle:
        assert took < BODY_TIMEOUT + 3, f"answered after {took:.1f}s"
