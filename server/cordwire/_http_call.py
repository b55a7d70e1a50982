"""One HTTP request as the gateway read it: the value handed below the gateway's entry, and to handlers."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

__all__ = ["HttpCall", "HttpHeaders"]


@dataclasses.dataclass(frozen=True, slots=True)
class HttpHeaders:
    """Request headers in arrival order, repeats kept, as ``(name, value)`` text pairs: names
    lower-case, values as sent (Latin-1). Decoded when read: most are never looked at."""

    raw: tuple[tuple[bytes, bytes], ...]
    """As the server gave them (ASGI: names lower-case)."""

    def get(self, name: str, default: str = "") -> str:
        """The first value of header ``name`` (any case), or ``default``."""
        key = name.lower().encode("latin-1")
        for k, v in self.raw:
            if k == key:
                return v.decode("latin-1")
        return default

    def getlist(self, name: str) -> list[str]:
        """Every value of header ``name`` (any case), in order."""
        key = name.lower().encode("latin-1")
        return [v.decode("latin-1") for k, v in self.raw if k == key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for k, v in self.raw:
            yield k.decode("latin-1").lower(), v.decode("latin-1")

    def __len__(self) -> int:
        return len(self.raw)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class HttpCall:
    """An HTTP request, read once from the server's ASGI scope where the gateway receives it.

    Everything below the gateway's entry reads the request from here; a handler that asks for the
    request (FastAPI's ``Request``) sees it as ``CordContext.http``.
    """

    method: str
    """Upper-case verb."""
    scheme: str
    """``http`` or ``https``."""
    host: str
    """The Host header (or the server's address)."""
    path: str
    """The request path, percent-decoded, as received (before the chute prefix is stripped)."""
    raw_path: str
    """The request path as sent, still percent-encoded, without the query (``path`` when the
    server gives none): what routes are matched against."""
    query_string: bytes
    """Raw, still percent-encoded."""
    headers: HttpHeaders
    """Every header, names lower-case, in order."""
    peer: str = ""
    """The client's address as ``host:port``; ``""`` when the server does not know it."""
    request_id: str = ""
    """The ``X-Request-Id`` the client sent, else a fresh one: echoed on every answer."""
    body: bytes = b""
    """The request body as read (bounded by the gateway's body limit); empty until it is read."""

    def with_body(self, body: bytes) -> HttpCall:
        """This call with its body, once read."""
        # Spelled out: dataclasses.replace() takes twice as long, on every request with a body.
        return HttpCall(
            method=self.method,
            scheme=self.scheme,
            host=self.host,
            path=self.path,
            raw_path=self.raw_path,
            query_string=self.query_string,
            headers=self.headers,
            peer=self.peer,
            request_id=self.request_id,
            body=body,
        )
