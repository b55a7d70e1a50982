"""The gateway's entry reads the ASGI scope here, once: everything below it gets the HttpCall."""

from __future__ import annotations

import os

from cordwire._http_call import HttpCall, HttpHeaders

from ._asgi import Scope

__all__ = ["HttpCall", "HttpHeaders", "new_request_id", "read_call"]


def read_call(scope: Scope) -> HttpCall:
    """The request of an ``http`` scope; its id is the client's ``X-Request-Id`` or a fresh one."""
    headers = HttpHeaders(tuple(scope["headers"]))
    path: str = scope["path"]
    host = headers.get("host")
    server = scope.get("server")
    if not host and server:
        host = f"{server[0]}:{server[1]}"
    client = scope.get("client")
    return HttpCall(
        method=scope["method"],
        scheme=scope.get("scheme", "http"),
        host=host,
        path=path,
        raw_path=(scope.get("raw_path") or b"").decode("latin-1").split("?", 1)[0] or path,
        query_string=scope.get("query_string", b""),
        headers=headers,
        peer=f"{client[0]}:{client[1]}" if client else "",
        request_id=headers.get("x-request-id") or new_request_id(),
    )


def new_request_id() -> str:
    """``uuid.uuid4().hex`` (the same random bits, version and variant) in a third of its time:
    every request that brings no id gets one."""
    data = bytearray(os.urandom(16))
    data[6] = data[6] & 0x0F | 0x40  # version 4
    data[8] = data[8] & 0x3F | 0x80  # RFC 4122 variant
    return data.hex()
