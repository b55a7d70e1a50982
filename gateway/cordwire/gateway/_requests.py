"""Reading an HTTP request into the call's request: bounded body, media type, query, one or many messages."""

from __future__ import annotations

import functools
import re
import urllib.parse
from collections.abc import AsyncIterator
from typing import Any

from google.protobuf.descriptor import MethodDescriptor

from cordwire._codes import Code
from cordwire._errors import CordError
from cordwire._http_call import HttpCall
from cordwire._protos import cord_options

from ._asgi import HttpError, Receive, read_body
from ._binding import BindingPlan, bind_request
from ._multipart import form_as_json, urlencoded_as_json
from ._routes import Route

__all__ = ["read_request"]

_FORM = "application/x-www-form-urlencoded"
_JSON_TYPES = ("application/json", "application/x-www-form-urlencoded", "text/plain", "")


async def read_request(
    call: HttpCall,
    receive: Receive,
    route: Route,
    bindings: dict[str, str],
    *,
    body_limit: int,
    body_timeout: float,
    ignore_unknown_query: bool = False,
) -> tuple[Any, bytes]:
    """The request message (or, for client-streaming RPCs, an async iterator of them) and the
    body as it arrived (empty when the route takes none)."""
    query = _query(call.query_string)
    raw = body = b""
    content_type = call.headers.get("content-type")
    if route.body:
        limit = _declared_body_limit(route.method) or body_limit
        raw = body = await read_body(call, receive, limit, body_timeout)
        media = content_type.split(";", 1)[0].strip().lower()
        if media == "multipart/form-data" and body and not route.binding.raw_body:
            body, media = form_as_json(body, content_type, route.binding), "application/json"
        elif media == _FORM and _takes_forms(route.method) and body.lstrip()[:1] not in (b"{", b"["):
            # FastAPI's Form(...) over a urlencoded body; `curl -d '{...}'` (JSON sent with this
            # media type) stays JSON.
            body, media = urlencoded_as_json(body, route.binding), "application/json"
        if body and not route.binding.raw_body and not (media in _JSON_TYPES or media.endswith("+json")):
            raise HttpError(
                415,
                Code.INVALID_ARGUMENT,
                f"Content-Type {media!r} is not supported here; send application/json",
                param="Content-Type",
            )
    if route.client_streaming:
        return _message_stream(route.binding, bindings, query, body, content_type, ignore_unknown_query), raw
    lenient = ignore_unknown_query or _forwards_query(route.method)
    return bind_request(route.binding, bindings, query, body, content_type, ignore_unknown_query=lenient), raw


def _message_stream(
    plan: BindingPlan,
    bindings: dict[str, str],
    query: list[tuple[str, str]],
    body: bytes,
    content_type: str,
    ignore_unknown_query: bool,
) -> AsyncIterator[Any]:
    """A client-streaming body: one JSON message per line (grpc-gateway's newline-delimited form).

    Every line is bound before the call starts, so a bad one is a 400 naming its line, not a
    failure halfway through the handler.
    """
    messages = []
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            messages.append(
                bind_request(
                    plan, bindings, query, line, content_type, ignore_unknown_query=ignore_unknown_query
                )
            )
        except CordError as error:
            error.message = f"line {number} of the request stream: {error.message}"
            raise

    async def each() -> AsyncIterator[Any]:
        for message in messages:
            yield message

    return each()


@functools.cache
def _takes_forms(method: MethodDescriptor) -> bool:
    """Python-first cords read urlencoded forms, as FastAPI does (proto-first ones take JSON)."""
    from cordwire._pycords import python_cord

    cord = python_cord(method)
    return cord is not None and cord.input_model is not None


@functools.cache
def _forwards_query(method: MethodDescriptor) -> bool:
    """Query parameters that name no field are the handler's to read, not a 400: a passthrough
    cord hands the query string on; a cord taking ``Request`` reads ``request.query_params``."""
    from cordwire._pycords import python_cord

    cord = python_cord(method)
    return cord is not None and (cord.passthrough or cord.request_param is not None)


@functools.cache
def _declared_body_limit(method: MethodDescriptor) -> int:
    return cord_options(method).max_body_bytes


_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def _query(raw: bytes) -> list[tuple[str, str]]:
    if not raw:
        return []
    if bad := _BAD_ESCAPE.search(raw):
        # parse_qsl keeps "%ZZ" as text; RFC 3986 §2.1 allows '%' only before two hex digits,
        # and the path already refuses it, so the query does too, naming the parameter.
        pair = raw[raw.rfind(b"&", 0, bad.start()) + 1 :].split(b"&", 1)[0]
        name = pair.split(b"=", 1)[0].decode("latin-1")
        raise CordError(
            Code.INVALID_ARGUMENT, f"malformed percent-escape in query parameter {name!r}", param=name
        )
    try:
        return urllib.parse.parse_qsl(raw.decode("ascii"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise CordError(
            Code.INVALID_ARGUMENT, "the query string is not valid UTF-8 percent-encoding"
        ) from None
