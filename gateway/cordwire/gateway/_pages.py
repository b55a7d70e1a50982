"""The public pages every gateway serves beside the chutes' routes: /healthz, /openapi.json, /docs
(with its assets). ``Pages.by_path`` is the one list of them."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from cordwire._http_call import HttpCall

from ._asgi import Send, send_json, send_response
from ._docs import ASSETS, docs_asset, docs_page
from ._endpoints import ChuteEndpoint
from ._openapi import openapi_document

__all__ = ["Pages"]

Page = Callable[[HttpCall, Send], Awaitable[None]]
"""A fixed page: answers a GET or HEAD of its path."""


class Pages:
    """Unauthenticated pages, matched before any chute's routes."""

    def __init__(self, endpoints: Mapping[str, ChuteEndpoint]) -> None:
        self._endpoints = endpoints
        self.by_path: dict[str, Page] = {
            "/healthz": self.healthz,
            "/openapi.json": self.openapi,
            "/docs": self.docs,
            **{f"/docs/assets/{name}": functools.partial(self.asset, name) for name in ASSETS},
        }

    @functools.cached_property
    def document(self) -> dict[str, Any]:
        # Built on first request: the routes are fixed once the gateway exists.
        return openapi_document(list(self._endpoints.values()))

    async def openapi(self, call: HttpCall, send: Send) -> None:
        await send_json(send, 200, self.document)

    async def docs(self, call: HttpCall, send: Send) -> None:
        title = self.document["info"]["title"]
        await send_response(send, 200, docs_page(title), b"text/html; charset=utf-8")

    async def asset(self, name: str, call: HttpCall, send: Send) -> None:
        # The files change only with the swagger-ui-py pin: cacheable for a day.
        cache = [(b"cache-control", b"public, max-age=86400")]
        await send_response(send, 200, docs_asset(name), ASSETS[name], cache)

    async def healthz(self, call: HttpCall, send: Send) -> None:
        states = {cid: e.dispatcher.ready for cid, e in self._endpoints.items()}
        ok = all(states.values())
        body = {
            "status": "ok" if ok else "unavailable",
            "chutes": {cid: "ready" if r else "starting" for cid, r in states.items()},
        }
        await send_json(send, 200 if ok else 503, body, [] if ok else [(b"retry-after", b"1")])
