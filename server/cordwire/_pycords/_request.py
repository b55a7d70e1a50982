"""What a Python cord may ask for besides its input: the request, uploaded files, dependencies."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from cordwire._context import CordContext

__all__ = ["Client", "Depends", "File", "Header", "Request", "UploadFile"]


@dataclasses.dataclass(frozen=True, slots=True)
class Client:
    """The caller's address, as starlette's ``request.client``."""

    host: str
    port: int


class Request:
    """The call as a handler sees it, built from its CordContext (FastAPI's ``Request`` shape).

    ``headers`` are the call's metadata: over gRPC every metadata entry; over HTTP the headers the
    gateway forwards (``Authorization``, ``X-API-Key``, ``X-Request-Id``, ``traceparent`` and every
    ``Grpc-Metadata-*`` header without its prefix). Keys are lower-case.
    """

    __slots__ = ("client", "context", "headers")

    def __init__(self, context: CordContext) -> None:
        self.context = context
        """The underlying CordContext (``set_header``, ``time_remaining``, ``request_id``)."""
        self.headers: Mapping[str, str] = context.metadata
        self.client: Client | None = _client(context.peer)

    @property
    def transport(self) -> str:
        """``"http"`` or ``"grpc"``."""
        return self.context.transport


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
