"""Server-streaming responses: server-sent events (default), NDJSON, or raw chunks for HttpBody."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson

from cordwire._errors import CordError

from ._asgi import Headers, Send
from ._batches import ReadyChunks
from ._responses import RawBody

__all__ = ["StreamFormat", "choose_format", "send_stream"]

_ITEMS = 64
_BYTES = 64 * 1024
"""Bounds of one write: a handler far ahead of its reader still yields the loop between writes."""


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
    # Messages already waiting go out in one write (each still framed as its own event); one that
    # arrives alone goes out alone, at once. One write per message was most of the per-message
    # cost: a syscall, and a wake-up of the reader competing for the same cores.
    chunks = ReadyChunks(rest, lambda item: _encode(item, fmt, raw), limit=_ITEMS, max_bytes=_BYTES)
    try:
        while (chunk := await chunks.next()) is not None:
            try:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except asyncio.CancelledError as exc:
                await chunks.interrupted(exc)  # a deadline's: the step makes it DEADLINE_EXCEEDED
            if chunks.saturated:
                # The handler never waited (it does not await, or is far ahead), and a send() that
                # need not wait (fast reader, or a client already gone) would otherwise hold the
                # event loop: no other request, and not even the hang-up that should cancel this
                # stream, could run. A stream that waited has let the loop run already.
                await asyncio.sleep(0)
    except CordError as error:
        # Headers are gone: the failure travels in-band, and the stream still ends properly.
        tail = b"" if raw else fmt.frame(orjson.dumps(error.to_json())) + fmt.done
    finally:
        await chunks.aclose()
    await send({"type": "http.response.body", "body": b"" if raw else tail, "more_body": False})


def _encode(item: Any, fmt: StreamFormat, raw: bool) -> bytes:
    if raw:
        data: bytes = item.data
        return data
    return fmt.frame(orjson.dumps(item))
