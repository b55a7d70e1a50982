"""Server-streaming responses: server-sent events (default), NDJSON, or raw chunks for HttpBody."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson

from cordwire._errors import CordError

from ._asgi import Headers, Send
from ._responses import RawBody

__all__ = ["StreamFormat", "choose_format", "send_stream"]


class StreamFormat:
    """How each message is framed on the wire."""

    def __init__(self, content_type: bytes, frame: Callable[[bytes], bytes], done: bytes) -> None:
        self.content_type = content_type
        self.frame = frame
        self.done = done


SSE = StreamFormat(
    b"text/event-stream; charset=utf-8", lambda data: b"data: " + data + b"\n\n", b"data: [DONE]\n\n"
)
NDJSON = StreamFormat(b"application/x-ndjson", lambda data: data + b"\n", b"")


def choose_format(accept: str) -> StreamFormat:
    return NDJSON if "application/x-ndjson" in accept else SSE


async def send_stream(
    send: Send,
    first: Any,
    rest: AsyncIterator[Any],
    fmt: StreamFormat,
    headers: Headers,
    status: int = 200,
) -> None:
    """Send ``first`` then every item of ``rest``, each flushed at once; errors become a final event.

    Items are shaped responses: JSON-ready values, or RawBody chunks (then the stream is binary).
    """
    raw = isinstance(first, RawBody)
    content_type = first.content_type.encode() if raw else fmt.content_type
    await send(
        {
            "type": "http.response.start",
            "status": status,
            # no-cache and X-Accel-Buffering stop proxies from holding events back.
            "headers": [
                (b"content-type", content_type),
                (b"cache-control", b"no-cache"),
                (b"x-accel-buffering", b"no"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": _encode(first, fmt, raw), "more_body": True})
    tail = fmt.done
    try:
        async for item in rest:
            await send({"type": "http.response.body", "body": _encode(item, fmt, raw), "more_body": True})
            # A handler that never awaits, and a send() that need not wait (fast reader, or a
            # client already gone), would otherwise hold the event loop: no other request, and not
            # even the hang-up that should cancel this stream, could run.
            await asyncio.sleep(0)
    except CordError as error:
        # Headers are gone: the failure travels in-band, and the stream still ends properly.
        tail = b"" if raw else fmt.frame(orjson.dumps(error.to_json())) + fmt.done
    await send({"type": "http.response.body", "body": b"" if raw else tail, "more_body": False})


def _encode(item: Any, fmt: StreamFormat, raw: bool) -> bytes:
    if raw:
        data: bytes = item.data
        return data
    return fmt.frame(orjson.dumps(item))
