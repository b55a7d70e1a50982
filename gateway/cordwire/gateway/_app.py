"""The gateway: an ASGI app that turns HTTP/JSON requests into cord calls and back."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from cordwire._codes import Code
from cordwire._context import CordContext, HttpCall
from cordwire._errors import CordError
from cordwire.server import ChuteServer

from ._asgi import (
    DEFAULT_BODY_TIMEOUT,
    Disconnected,
    Receive,
    Scope,
    Send,
    cancel_on_disconnect,
    send_error,
    send_json,
    send_response,
)
from ._endpoints import DEFAULT_BODY_LIMIT, ChuteEndpoint
from ._headers import call_metadata
from ._observe import ROUTE_KEY
from ._pages import Page, Pages
from ._requests import BODY_KEY, header, read_request
from ._responses import RawBody, shape_response
from ._routes import Route
from ._streaming import choose_format, send_stream

__all__ = ["Gateway", "create_app"]

log = logging.getLogger("cordwire.gateway")


class Gateway:
    """Serves every chute it is given: by Host ``{chute-id}.…``, by ``/chutes/{chute-id}/…``, or at
    the root when there is one chute."""

    def __init__(
        self,
        endpoints: Sequence[ChuteEndpoint],
        *,
        body_limit: int = DEFAULT_BODY_LIMIT,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        pages: Mapping[str, Page] | None = None,
        ignore_unknown_query_parameters: bool = False,
        match_empty_segments: bool = False,
    ) -> None:
        """``pages``: more GET pages by path beside /healthz, /openapi.json, /docs; unlike those,
        they check the caller themselves (``/v1/usage``)."""
        self.endpoints = {e.chute_id: e for e in endpoints}
        self.ignore_unknown_query_parameters = ignore_unknown_query_parameters
        """Drop query parameters that name no field (or a bound one) instead of a 400 (Envoy's name)."""
        self.match_empty_segments = match_empty_segments
        """Let an empty path segment (``//``, a trailing ``/``) fill ``*`` and ``{var}``."""
        self.body_limit = body_limit
        self.body_timeout = body_timeout
        """Seconds a request body may take to arrive (then 408)."""
        self.pages = Pages(self.endpoints)
        self.pages.by_path.update(pages or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        # The id is fixed before routing so that every answer, 404s and 400s included, echoes it.
        request_id = header(scope, b"x-request-id") or uuid.uuid4().hex
        ctx_headers = [(b"x-request-id", request_id.encode("latin-1"))]
        try:
            fixed = self.pages.by_path.get(scope["path"])
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
        route, bindings = endpoint.matcher.match(
            scope["method"], path, empty_segments=self.match_empty_segments
        )
        scope[ROUTE_KEY] = (endpoint.chute_id, route)  # for metrics and the access log
        metadata, deadline = call_metadata(scope["headers"])
        ctx = CordContext(
            metadata=metadata, transport="http", deadline=deadline, peer=_peer(scope), request_id=request_id
        )
        if not endpoint.dispatcher.ready:
            raise CordError(
                Code.UNAVAILABLE, f"chute {endpoint.chute_id} is not ready yet", headers={"Retry-After": "1"}
            )
        request = await read_request(
            scope,
            receive,
            route,
            bindings,
            body_limit=self.body_limit,
            body_timeout=self.body_timeout,
            ignore_unknown_query=self.ignore_unknown_query_parameters,
        )
        ctx.http = _http_call(scope)
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
        shaped = shape_response(target.response, response)
        headers = [*out, *_encode_headers(ctx.response_headers)]
        status = ctx.response_status or target.http_status
        if status in (204, 304):  # no content: a body would break the HTTP/1.1 framing
            await send_response(send, status, b"", b"application/json", headers)
        elif isinstance(shaped, RawBody):
            await send_response(send, status, shaped.data, shaped.content_type.encode("latin-1"), headers)
        else:
            await send_json(send, status, shaped, headers)

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
            shaped_rest = (shape_response(route.response, m) async for m in messages)
            headers = [*out, *_encode_headers(ctx.response_headers)]
            fmt = choose_format(header(scope, b"accept"))
            status = ctx.response_status or 200  # a passthrough's upstream status, a Response's
            if first is None:
                await send_response(send, status, fmt.done, fmt.content_type, headers)
                return
            await send_stream(send, shape_response(route.response, first), shaped_rest, fmt, headers, status)

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


def _encode_headers(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


def _http_call(scope: Scope) -> HttpCall:
    headers = tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"])
    server = scope.get("server")
    host = next((v for k, v in headers if k == "host"), "")
    if not host and server:
        host = f"{server[0]}:{server[1]}"
    return HttpCall(
        method=scope["method"],
        scheme=scope.get("scheme", "http"),
        host=host,
        path=scope["path"],
        query_string=scope.get("query_string", b""),
        headers=headers,
        body=scope.get(BODY_KEY, b""),
    )


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
