"""The gateway: an ASGI app that turns HTTP/JSON requests into cord calls and back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cordwire._codes import Code
from cordwire._context import CordContext
from cordwire._errors import CordError
from cordwire._http_call import HttpCall
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
from ._calls import read_call
from ._endpoints import DEFAULT_BODY_LIMIT, ChuteEndpoint
from ._headers import call_metadata
from ._pages import Page, Pages
from ._requests import read_request
from ._responses import RawBody, shape_response
from ._routes import Route
from ._streaming import choose_format, send_stream

__all__ = ["Gateway", "RouteSeen", "create_app"]

log = logging.getLogger("cordwire.gateway")

RouteSeen = Callable[[tuple[str, Route]], None]
"""Told ``(chute id, route)`` when a route matched, and again once the request selected it."""


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
        await self.handle(read_call(scope), receive, send)

    async def handle(
        self, call: HttpCall, receive: Receive, send: Send, route_seen: RouteSeen | None = None
    ) -> None:
        """Answer ``call``, the request the ASGI entry read (here, or in :class:`ObservedGateway`)."""
        # The id was fixed before routing so that every answer, 404s and 400s included, echoes it.
        ctx_headers = [(b"x-request-id", call.request_id.encode("latin-1"))]
        try:
            fixed = self.pages.by_path.get(call.path)
            if fixed is not None and call.method in ("GET", "HEAD"):
                await fixed(call, send)
                return
            await self._call(call, receive, send, ctx_headers, route_seen)
        except CordError as error:
            await send_error(send, error, ctx_headers)
        except Disconnected:
            return
        except Exception:
            log.exception("gateway failure on %s %s", call.method, call.path)
            await send_error(send, CordError(Code.INTERNAL, "internal error in the gateway"), ctx_headers)

    def _endpoint(self, call: HttpCall) -> tuple[ChuteEndpoint, str]:
        path = call.raw_path
        if path.startswith("/chutes/"):
            chute_id, _, rest = path[len("/chutes/") :].partition("/")
            endpoint = self.endpoints.get(chute_id)
            if endpoint is None:
                raise CordError(Code.NOT_FOUND, f"no chute {chute_id!r}", reason="chute_not_found")
            return endpoint, "/" + rest
        host = call.headers.get("host")  # not call.host: no fallback to the server's address
        label = host.split(".", 1)[0].lower() if "." in host else ""
        if label in self.endpoints:
            return self.endpoints[label], path
        if len(self.endpoints) == 1:
            return next(iter(self.endpoints.values())), path
        raise CordError(Code.NOT_FOUND, f"no chute for host {host!r}", reason="chute_not_found")

    async def _call(
        self,
        call: HttpCall,
        receive: Receive,
        send: Send,
        out: list[tuple[bytes, bytes]],
        route_seen: RouteSeen | None,
    ) -> None:
        endpoint, path = self._endpoint(call)
        route, bindings = endpoint.matcher.match(call.method, path, empty_segments=self.match_empty_segments)
        if route_seen is not None:
            route_seen((endpoint.chute_id, route))  # for metrics and the access log
        metadata, deadline = call_metadata(call.headers.raw)
        ctx = CordContext(
            metadata=metadata, transport="http", deadline=deadline, peer=call.peer, request_id=call.request_id
        )
        if not endpoint.dispatcher.ready:
            raise CordError(
                Code.UNAVAILABLE, f"chute {endpoint.chute_id} is not ready yet", headers={"Retry-After": "1"}
            )
        request, body = await read_request(
            call,
            receive,
            route,
            bindings,
            body_limit=self.body_limit,
            body_timeout=self.body_timeout,
            ignore_unknown_query=self.ignore_unknown_query_parameters,
        )
        ctx.http = call.with_body(body) if body else call
        target = route.select(request)
        if route_seen is not None and target is not route:
            route_seen((endpoint.chute_id, target))
        if target.server_streaming:
            await self._stream(call, receive, send, endpoint, target, request, ctx, out)
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
        call: HttpCall,
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
            fmt = choose_format(call.headers.get("accept"))
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
