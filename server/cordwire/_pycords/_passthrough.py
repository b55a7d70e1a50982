"""Passthrough cords: the call goes on to an HTTP server in the same container (vLLM, SGLang, ...).

The request body travels as ``google.api.HttpBody`` and the answer comes back as a stream of
HttpBody chunks, relayed as they arrive, so a proxied SSE stream stays a live stream, over HTTP and
over gRPC alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
from google.api import httpbody_pb2

from cordwire._codes import Code
from cordwire._context import CordContext
from cordwire._errors import CordError

from ._http import HTTPException
from ._signature import PyCord

__all__ = ["Passthrough"]

# cordwire's own credentials stay here; hop-by-hop and framing headers are per connection.
_NOT_SENT = frozenset({"authorization", "x-api-key", "content-type", "content-length", "host", "te"})
_NOT_RETURNED = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-length",
        "content-encoding",
        "content-type",
        "date",
        "server",
        "upgrade",
        "trailer",
    }
)


class Passthrough:
    """The handler of one passthrough cord, with its (lazily opened) connection pool."""

    def __init__(self, cord: PyCord, stream_twin: PyCord | None = None) -> None:
        self.url = _url(cord)
        self.stream_url = _url(stream_twin) if stream_twin is not None else self.url
        """Where a body with ``"stream": true`` goes when a stream cord shares the path (Chutes' vLLM)."""
        self.method = cord.http_method
        self.extra_headers = {k.lower(): v for k, v in cord.passthrough_headers.items()}
        self._client: httpx.AsyncClient | None = None

    async def aclose(self) -> None:
        """Close the pool (a shutdown hook: the next serve opens a new one in its own loop)."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def relay(
        self, owner: Any, request: httpbody_pb2.HttpBody, context: CordContext
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(None, connect=10.0))
        headers = {
            k: v
            for k, v in context.metadata.items()
            if k not in _NOT_SENT and not k.startswith(("grpc-", ":"))
        }
        headers.update(self.extra_headers)
        if request.content_type:
            headers["content-type"] = request.content_type
        url = self.stream_url if self.stream_url != self.url and _wants_stream(request.data) else self.url
        if context.http is not None and context.http.query_string:
            url = f"{url}?{context.http.query_string.decode('latin-1')}"
        outgoing = self._client.build_request(
            self.method,
            url,
            content=request.data or None,
            headers=headers,
            timeout=context.time_remaining(),
        )
        try:
            response = await self._client.send(outgoing, stream=True)
        except httpx.TimeoutException:
            raise HTTPException(504, f"passthrough to {self.url} timed out") from None
        except httpx.HTTPError as exc:
            raise HTTPException(502, f"passthrough to {self.url} failed: {exc!r}") from None
        try:
            if response.status_code >= 400:
                raise HTTPException(response.status_code, _error_message(await response.aread()))
            if response.status_code != 200:
                context.response_status = response.status_code
            for name, value in response.headers.items():
                if name.lower() not in _NOT_RETURNED:
                    context.set_header(name, value)
            content_type = response.headers.get("content-type", "application/octet-stream")
            sent = False
            async for chunk in response.aiter_bytes():
                if chunk:
                    sent = True
                    yield httpbody_pb2.HttpBody(content_type=content_type, data=chunk)
            if not sent:  # an empty body still needs one message to carry its content type
                yield httpbody_pb2.HttpBody(content_type=content_type)
        except httpx.TimeoutException:
            raise HTTPException(504, f"passthrough to {self.url} timed out mid-response") from None
        except httpx.HTTPError as exc:
            raise CordError(Code.UNAVAILABLE, f"passthrough to {self.url} broke off: {exc!r}") from None
        finally:
            await response.aclose()


def _url(cord: PyCord) -> str:
    return f"http://127.0.0.1:{cord.passthrough_port}{cord.passthrough_path}"


def _wants_stream(body: bytes) -> bool:
    try:
        parsed = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return False
    return isinstance(parsed, dict) and parsed.get("stream") is True


def _error_message(body: bytes) -> str:
    """The upstream's error text: OpenAI's ``error.message``, FastAPI's ``detail``, or the body."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", "replace")[:2000]
    if isinstance(parsed, dict):
        error = parsed.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(parsed.get("detail"), str):
            return str(parsed["detail"])
    return body.decode("utf-8", "replace")[:2000]
