"""The few ASGI primitives the gateway needs: read a bounded body, send a response, watch for a hang-up."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

import orjson

from cordwire._codes import Code
from cordwire._errors import CordError
from cordwire._http_call import HttpCall

__all__ = [
    "HttpError",
    "Receive",
    "Scope",
    "Send",
    "read_body",
    "send_error",
    "send_json",
    "send_response",
    "wait_disconnect",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Headers = Sequence[tuple[bytes, bytes]]


class HttpError(CordError):
    """A failure that exists only in HTTP (413, 415): its own status, a gRPC code for everything else."""

    def __init__(self, status: int, code: Code, message: str, **kwargs: Any) -> None:
        super().__init__(code, message, status=status, **kwargs)


class Disconnected(Exception):
    """The client went away while the request body was arriving."""


DEFAULT_BODY_TIMEOUT = 30.0
"""Seconds a request body may take to arrive in full: uvicorn has no such bound, so a client
trickling bytes (slowloris) would otherwise hold its connection and handler slot forever."""


async def read_body(
    call: HttpCall, receive: Receive, limit: int, timeout: float = DEFAULT_BODY_TIMEOUT
) -> bytes:
    """The whole body; 413 as soon as it is known to exceed ``limit`` (before reading it all),
    408 when it has not arrived in full within ``timeout`` seconds."""
    try:
        async with asyncio.timeout(timeout):
            return await _read_body(call, receive, limit)
    except TimeoutError:
        raise HttpError(
            408,
            Code.DEADLINE_EXCEEDED,
            f"the request body did not arrive within {timeout:g}s",
            reason="request_timeout",
            error_type="invalid_request_error",
            headers={"connection": "close"},  # the rest of the body is left unread
        ) from None


async def _read_body(call: HttpCall, receive: Receive, limit: int) -> bytes:
    for name, value in call.headers.raw:
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                raise CordError(Code.INVALID_ARGUMENT, "Content-Length is not a number") from None
            if declared > limit:
                raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _too_large(limit: int) -> CordError:
    # Connection: close, since the rest of the body is left unread.
    return HttpError(
        413,
        Code.RESOURCE_EXHAUSTED,
        f"request body is larger than {limit} bytes",
        reason="request_too_large",
        headers={"connection": "close"},
    )


async def wait_disconnect(receive: Receive) -> None:
    """Returns when the client hangs up (call only after the body has been read)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def send_response(
    send: Send, status: int, body: bytes, content_type: bytes, headers: Headers = ()
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, value: Any, headers: Headers = ()) -> None:
    await send_response(send, status, orjson.dumps(value), b"application/json", headers)


async def send_error(send: Send, error: CordError, headers: Headers = ()) -> None:
    extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in error.headers.items()]
    await send_json(send, error.http_status, error.to_json(), [*headers, *extra])


def cancel_on_disconnect(receive: Receive, task: asyncio.Task[Any]) -> asyncio.Task[None]:
    """Cancel ``task`` if the client hangs up first; cancel the returned watcher when done."""

    async def watch() -> None:
        await wait_disconnect(receive)
        task.cancel()

    return asyncio.ensure_future(watch())
