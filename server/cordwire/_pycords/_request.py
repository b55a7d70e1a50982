"""What a Python cord may ask for besides its input: the request, uploaded files, dependencies."""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import orjson
from google.protobuf import json_format
from google.protobuf.message import Message

from cordwire._context import CordContext

__all__ = ["URL", "Client", "Depends", "File", "Header", "Headers", "QueryParams", "Request", "UploadFile"]


@dataclasses.dataclass(frozen=True, slots=True)
class Client:
    """The caller's address, as starlette's ``request.client``."""

    host: str
    port: int


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only headers; ``getlist`` gives every value of a repeated one."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items = [(k.lower(), v) for k, v in items]

    def __getitem__(self, key: str) -> str:
        key = key.lower()
        for k, v in self._items:
            if k == key:
                return v
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(k for k, _ in self._items))

    def __len__(self) -> int:
        return len(dict.fromkeys(k for k, _ in self._items))

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self._items if k == key.lower()]

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


class QueryParams(Mapping[str, str]):
    """The query string's parameters (the last value wins for ``[]``; ``getlist`` for all)."""

    __slots__ = ("_items",)

    def __init__(self, query_string: str) -> None:
        self._items = urllib.parse.parse_qsl(query_string, keep_blank_values=True)

    def __getitem__(self, key: str) -> str:
        values = self.getlist(key)
        if not values:
            raise KeyError(key)
        return values[-1]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(k for k, _ in self._items))

    def __len__(self) -> int:
        return len(dict.fromkeys(k for k, _ in self._items))

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self._items if k == key]


@dataclasses.dataclass(frozen=True, slots=True)
class URL:
    """The request URL, as starlette's ``request.url`` (``str(url)`` for the whole)."""

    scheme: str
    netloc: str
    path: str
    query: str

    @property
    def hostname(self) -> str:
        return self.netloc.rsplit(":", 1)[0] if not self.netloc.endswith("]") else self.netloc

    @property
    def port(self) -> int | None:
        host, _, port = self.netloc.rpartition(":")
        return int(port) if host and port.isdigit() else None

    def __str__(self) -> str:
        return urllib.parse.urlunsplit((self.scheme, self.netloc, self.path, self.query, ""))


class Request:
    """The call as a handler sees it (FastAPI's ``Request`` shape), over HTTP or gRPC.

    Over HTTP: the method, URL, every header, the query string and the body as received. Over
    gRPC: ``method`` is ``POST``, ``url`` the RPC's path, ``headers`` the call's metadata and
    ``body()`` the request message as JSON. Keys of ``headers`` are case-insensitive.
    """

    __slots__ = ("_message", "client", "context", "headers", "method", "query_params", "url")

    def __init__(self, context: CordContext, message: Message | None = None) -> None:
        self.context = context
        """The underlying CordContext (``set_header``, ``time_remaining``, ``request_id``)."""
        self._message = message
        http = context.http
        self.client: Client | None = _client(context.peer)
        if http is not None:
            self.method = http.method
            self.headers: Headers = Headers(http.headers)
            query = http.query_string.decode("latin-1")
            self.url = URL(scheme=http.scheme, netloc=http.host, path=http.path, query=query)
        else:
            self.method = "POST"
            self.headers = Headers(context.metadata.items())
            path = f"/{message.DESCRIPTOR.full_name}" if message is not None else "/"
            self.url = URL(scheme="grpc", netloc=context.metadata.get(":authority", ""), path=path, query="")
        self.query_params = QueryParams(self.url.query)

    @property
    def transport(self) -> str:
        """``"http"`` or ``"grpc"``."""
        return self.context.transport

    @property
    def path(self) -> str:
        return self.url.path

    async def body(self) -> bytes:
        """The raw body (HTTP) or the request message in proto3 JSON (gRPC)."""
        if self.context.http is not None:
            return self.context.http.body
        if self._message is None:
            return b""
        from ._convert import int64_as_numbers  # _convert imports this module

        values = json_format.MessageToDict(self._message, preserving_proto_field_name=True)
        return orjson.dumps(int64_as_numbers(self._message.DESCRIPTOR, values))  # type: ignore[arg-type]

    async def json(self) -> Any:
        body = await self.body()
        return orjson.loads(body) if body else None


def _client(peer: str) -> Client | None:
    # HTTP peers are "host:port"; gRPC's are "ipv4:host:port" or "ipv6:[::1]:port".
    if not peer:
        return None
    for scheme in ("ipv4:", "ipv6:"):
        peer = peer.removeprefix(scheme)
    host, _, port = peer.rpartition(":")
    host = host.strip("[]") or port
    return Client(host=host, port=int(port) if port.isdigit() and host != port else 0)


class UploadFile:
    """An uploaded file (multipart part over HTTP; an ``UploadedFile`` message over gRPC)."""

    __slots__ = ("_data", "content_type", "filename")

    def __init__(self, data: bytes, filename: str = "", content_type: str = "") -> None:
        self._data = data
        self.filename = filename
        self.content_type = content_type or "application/octet-stream"

    @property
    def size(self) -> int:
        return len(self._data)

    async def read(self, size: int = -1) -> bytes:
        """The file's bytes (already in memory: the gateway bounds request bodies)."""
        return self._data if size < 0 else self._data[:size]

    def __repr__(self) -> str:
        return f"UploadFile({self.filename!r}, {self.content_type!r}, {self.size} bytes)"


def File(default: Any = ...) -> Any:
    """FastAPI's ``File(...)`` default: marks nothing more than "required" (``...``) or a default."""
    return default


@dataclasses.dataclass(frozen=True, slots=True)
class Header:
    """FastAPI's ``Header(default)``: a dependency parameter read from the call's headers."""

    default: Any = None


@dataclasses.dataclass(frozen=True, slots=True)
class Depends:
    """FastAPI's ``Depends(fn)``: the parameter is ``fn``'s result, computed per call.

    ``fn``'s own parameters may be ``Header(...)`` defaults (read from ``Request.headers``, ``_``
    as ``-``), a ``Request``-typed parameter, or further ``Depends``.
    """

    dependency: Callable[..., Any]
