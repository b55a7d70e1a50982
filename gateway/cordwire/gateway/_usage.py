"""``GET /v1/usage``: the caller's own usage, answered by a reader the server side provides."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from cordwire._http_call import HttpCall

from ._asgi import Send, send_json
from ._headers import call_metadata
from ._pages import Page

__all__ = ["USAGE_PATH", "usage_page"]

USAGE_PATH = "/v1/usage"


def usage_page(read: Callable[[Mapping[str, str], str], Awaitable[dict[str, Any]]]) -> Page:
    """A page calling ``read(metadata, query string)``; its CordErrors answer as every error does."""

    async def page(call: HttpCall, send: Send) -> None:
        # The key is read from the headers exactly as for a cord call.
        metadata, _ = call_metadata(call.headers.raw)
        answer = await read(metadata, call.query_string.decode("latin-1"))
        await send_json(send, 200, answer, [(b"cache-control", b"no-store")])

    return page
