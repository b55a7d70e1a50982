"""What a Python-first cord returns or yields, as its synthesized output message.

``-> dict`` results become a Struct, other JSON a Value, models their own message; binary cords
answer ``google.api.HttpBody`` (bytes, ``str``, or a ``Response`` with its media type). Headers
of a returned ``Response`` become response headers (gRPC: initial metadata).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from google.api import httpbody_pb2
from google.protobuf import empty_pb2
from google.protobuf.message import Message

from cordwire._context import CordContext

from ._convert import jsonable, to_message
from ._http import HTTPException, is_response
from ._signature import OutputKind, PyCord, is_json_media

__all__ = ["result_converter", "streaming_headers"]

Converter = Callable[[Any, CordContext], Message]
_NOT_FORWARDED = frozenset({"content-type", "content-length"})
_OCTETS = "application/octet-stream"
_SSE = "text/event-stream"


def result_converter(cord: PyCord, output_class: type[Message]) -> Converter:
    """The function that turns one result (or streamed item) into ``output_class``."""
    default_type = cord.output_content_type or ""

    def convert(result: Any, context: CordContext) -> Message:
        if is_response(result):
            result, media = _unpack(result, context)
        else:
            media = default_type
        if cord.output is OutputKind.HTTP_BODY:
            body: Message = _body(result, media or default_type)
            return body
        if cord.output is OutputKind.EMPTY and result is None:
            return empty_pb2.Empty()
        if isinstance(result, bytes) and not result:  # an empty Response (204): an empty message
            return output_class()
        if isinstance(result, bytes):  # a JSON Response's body
            if not is_json_media(media or None):
                raise TypeError(
                    f"{cord.rpc_name} returned {media or 'bytes'} but is declared to return JSON; "
                    "annotate it `-> Response` or set output_content_type"
                )
            result = orjson.loads(result)
        return to_message(result, output_class())

    return convert


def _unpack(response: Any, context: CordContext) -> tuple[bytes, str]:
    if not isinstance(getattr(response, "body", None), bytes):
        raise TypeError(
            f"{type(response).__name__} has no body to send as one message; a cord that returns "
            "a StreamingResponse must be annotated `-> StreamingResponse`"
        )
    media = streaming_headers(response, context)
    return response.body, media


def streaming_headers(response: Any, context: CordContext) -> str:
    """Apply a Response's status and headers to the call; its media type.

    A 4xx/5xx status is an error (the body its message); another status is the HTTP status sent.
    Starlette's ``Content-Type`` header (``text/plain; charset=utf-8``) wins over ``media_type``.
    """
    status = int(getattr(response, "status_code", 200) or 200)
    headers = getattr(response, "headers", None) or {}
    if status >= 400:
        body = getattr(response, "body", b"")
        raise HTTPException(status, body.decode("utf-8", "replace") if isinstance(body, bytes) else None)
    if status != 200:
        context.response_status = status
    for name, value in headers.items():
        if name.lower() not in _NOT_FORWARDED:
            context.set_header(name, value)
    media = headers.get("content-type") or getattr(response, "media_type", None) or ""
    return str(media)


def _body(result: Any, media: str) -> httpbody_pb2.HttpBody:
    if isinstance(result, bytes | bytearray | memoryview):
        return httpbody_pb2.HttpBody(content_type=media or _OCTETS, data=bytes(result))
    if isinstance(result, str):
        return httpbody_pb2.HttpBody(content_type=media or "text/plain; charset=utf-8", data=result.encode())
    data = orjson.dumps(jsonable(result))
    if media.startswith(_SSE):  # a dict yielded by an event-stream cord: frame it as one event
        return httpbody_pb2.HttpBody(content_type=media, data=b"data: " + data + b"\n\n")
    return httpbody_pb2.HttpBody(content_type=media or "application/json", data=data)
