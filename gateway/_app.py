"""The gateway: an ASGI app that turns HTTP/JSON requests into cord calls and back."""

from __future__ import annotations

import asyncio
import functools
import logging
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from google.protobuf.descriptor import MethodDescriptor

from .._codes import Code
from .._errors import CordError
from .._protos import cord_options
from ..server import ChuteServer, CordContext
from ._asgi import (
    DEFAULT_BODY_TIMEOUT,
    Disconnected,
    HttpError,
    Receive,
    Scope,
    Send,
    cancel_on_disconnect,
    read_body,
    send_error,
    send_json,
    send_response,
)
from ._binding import bind_request
from ._docs import docs_page
from ._endpoints import DEFAULT_BODY_LIMIT, ChuteEndpoint
from ._headers import call_metadata
from ._multipart import form_as_json
from ._observe import ROUTE_KEY
from ._openapi import openapi_document
from ._responses import RawBody, shape_response
from ._routes import Route
from ._streaming import choose_format, send_stream

__all__ = ["Gateway", "create_app"]

log = logging.getLogger("cordwire.gateway")
_JSON_TYPES = ("application/json", "application/x-www-form-urlencoded", "text/plain", "")


class Gateway:
    """Serves every chute it is given: by Host ``{chute-id}.…``, by ``/chutes/{chute-id}/…``, or at
    the root when there is one chute."""

    def __init__(
        self,
        endpoints: Sequence[ChuteEndpoint],
        *,
        body_limit: int = DEFAULT_BODY_LIMIT,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        self.endpoints = {e.chute_id: e for e in endpoints}
        self.body_limit = body_limit
        self.body_timeout = body_timeout
        """Seconds a request body may take to arrive (then 408)."""
        # Public, unauthenticated pages; matched before any chute's routes.
        self._fixed: dict[str, Any] = {
            "/healthz": self._healthz,
            "/openapi.json": self._openapi,
            "/docs": self._docs,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        # The id is fixed before routing so that every answer, 404s and 400s included, echoes it.
        request_id = _header(scope, b"x-request-id") or uuid.uuid4().hex
        ctx_headers = [(b"x-request-id", request_id.encode("latin-1"))]
        try:
            fixed = self._fixed.get(scope["path"])
            if fixed is not None and scope["method"] in ("GET", "HEAD"):
                await fixed(scope, send)
                return
            await self._call(scope, receive, send, request_id, ctx_headers)
        except CordError as error:
            await send_error(send, error, ctx_headers)
        except Disconnected:
            return
        except Exception:
            log.exception("gateway failure on %s %s", scope["method"], scope["path"])
            await send_error(send, CordError(Code.INTERNAL, "internal error in the gateway"), ctx_headers)

    def _endpoint(self, scope: Scope) -> tuple[ChuteEndpoint, str]:
        path: str = scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or scope["path"]
        if path.startswith("/chutes/"):
            chute_id, _, rest = path[len("/chutes/") :].partition("/")
            endpoint = self.endpoints.get(chute_id)
            if endpoint is None:
                raise CordError(Code.NOT_FOUND, f"no chute {chute_id!r}", reason="chute_not_found")
            return endpoint, "/" + rest
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
        label = host.split(".", 1)[0].lower() if "." in host else ""
        if label in self.endpoints:
            return self.endpoints[label], path
        if len(self.endpoints) == 1:
            return next(iter(self.endpoints.values())), path
        raise CordError(Code.NOT_FOUND, f"no chute for host {host!r}", reason="chute_not_found")

    async def _call(
        self, scope: Scope, receive: Receive, send: Send, request_id: str, out: list[tuple[bytes, bytes]]
    ) -> None:
        endpoint, path = self._endpoint(scope)
        route, bindings = endpoint.matcher.match(scope["method"], path)
        scope[ROUTE_KEY] = (endpoint.chute_id, route)  # for metrics and the access log
        metadata, deadline = call_metadata(scope["headers"])
        ctx = CordContext(
            metadata=metadata, transport="http", deadline=deadline, peer=_peer(scope), request_id=request_id
        )
        if not endpoint.dispatcher.ready:
            raise CordError(
                Code.UNAVAILABLE, f"chute {endpoint.chute_id} is not ready yet", headers={"Retry-After": "1"}
            )
        request = await self._request(scope, receive, route, bindings)
        target = route.select(request)
        scope[ROUTE_KEY] = (endpoint.chute_id, target)
        if target.server_streaming:
            await self._stream(scope, receive, send, endpoint, target, request, ctx, out)
            return
        task = asyncio.ensure_future(endpoint.dispatcher.unary(target.method, request, ctx))
        watcher = cancel_on_disconnect(receive, task)
        try:
            response = await task
        except asyncio.CancelledError:
            if watcher.done():
                return  # the client hung up; the handler was cancelled with it
            raise
        finally:
            watcher.cancel()
        shaped = shape_response(target, response)
        headers = [*out, *_encode_headers(ctx.response_headers)]
        if isinstance(shaped, RawBody):
            await send_response(send, 200, shaped.data, shaped.content_type.encode("latin-1"), headers)
        else:
            await send_json(send, 200, shaped, headers)

    async def _request(self, scope: Scope, receive: Receive, route: Route, bindings: dict[str, str]) -> Any:
        query = _query(scope.get("query_string", b""))
        body = b""
        content_type = _header(scope, b"content-type")
        if route.body:
            body = await read_body(scope, receive, _body_limit(route, self.body_limit), self.body_timeout)
            media = content_type.split(";", 1)[0].strip().lower()
            if media == "multipart/form-data" and body and not route.binding.raw_body:
                body, media = form_as_json(body, content_type, route.binding), "application/json"
            if body and not route.binding.raw_body and not (media in _JSON_TYPES or media.endswith("+json")):
                raise HttpError(
                    415,
                    Code.INVALID_ARGUMENT,
                    f"Content-Type {media!r} is not supported here; send application/json",
                    param="Content-Type",
                )
        if route.client_streaming:
            return _message_stream(route, bindings, query, body, content_type)
        return bind_request(route, bindings, query, body, content_type)

    async def _stream(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        endpoint: ChuteEndpoint,
        route: Route,
        request: Any,
        ctx: CordContext,
        out: list[tuple[bytes, bytes]],
    ) -> None:
        messages = endpoint.dispatcher.stream(route.method, request, ctx)

        async def run() -> None:
            try:
                # Wait for the first message so that a failure before it is a real HTTP error status.
                first = await anext(messages)
            except StopAsyncIteration:
                first = None
            shaped_rest = (shape_response(route, m) async for m in messages)
            headers = [*out, *_encode_headers(ctx.response_headers)]
            fmt = choose_format(_header(scope, b"accept"))
            if first is None:
                await send_response(send, 200, fmt.done, fmt.content_type, headers)
                return
            await send_stream(send, shape_response(route, first), shaped_rest, fmt, headers)

        task = asyncio.ensure_future(run())
        watcher = cancel_on_disconnect(receive, task)
        try:
            await task
        except (asyncio.CancelledError, OSError):
            if not watcher.done():
                raise
        finally:
            watcher.cancel()
            await messages.aclose()  # type: ignore[attr-defined]

    @functools.cached_property
    def _document(self) -> dict[str, Any]:
        # Built on first request: the routes are fixed once the gateway exists.
        return openapi_document(list(self.endpoints.values()))

    async def _openapi(self, scope: Scope, send: Send) -> None:
        await send_json(send, 200, self._document)

    async def _docs(self, scope: Scope, send: Send) -> None:
        await send_response(send, 200, docs_page(self._document), b"text/html; charset=utf-8")

    async def _healthz(self, scope: Scope, send: Send) -> None:
        states = {cid: e.dispatcher.ready for cid, e in self.endpoints.items()}
        ok = all(states.values())
        body = {
            "status": "ok" if ok else "unavailable",
            "chutes": {cid: "ready" if r else "starting" for cid, r in states.items()},
        }
        await send_json(send, 200 if ok else 503, body, [] if ok else [(b"retry-after", b"1")])


def _message_stream(
    route: Route, bindings: dict[str, str], query: list[tuple[str, str]], body: bytes, content_type: str
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
            messages.append(bind_request(route, bindings, query, line, content_type))
        except CordError as error:
            error.message = f"line {number} of the request stream: {error.message}"
            raise

    async def each() -> AsyncIterator[Any]:
        for message in messages:
            yield message

    return each()


def _body_limit(route: Route, default: int) -> int:
    return _declared_body_limit(route.method) or default


@functools.cache
def _declared_body_limit(method: MethodDescriptor) -> int:
    return cord_options(method).max_body_bytes


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _query(raw: bytes) -> list[tuple[str, str]]:
    if not raw:
        return []
    try:
        return urllib.parse.parse_qsl(raw.decode("ascii"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise CordError(
            Code.INVALID_ARGUMENT, "the query string is not valid UTF-8 percent-encoding"
        ) from None


def _encode_headers(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


def _peer(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else ""


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(servers: ChuteServer | Sequence[ChuteServer], **kwargs: Any) -> Gateway:
    """A gateway serving in-process chutes."""
    chutes = [servers] if isinstance(servers, ChuteServer) else list(servers)
    return Gateway([ChuteEndpoint.in_process(s) for s in chutes], **kwargs)
