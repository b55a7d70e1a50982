"""uvicorn + httptools, hardened: header size, count and time limits, and connection caps.

uvicorn's httptools protocol reads headers without bound (one 156 MB header line was read and
accepted) and without a deadline (a connection that never finishes its headers is held forever).
``EdgeProtocol`` counts the bytes of each request's head before the parser sees them, arms a timer
from a connection's opening (or a request's first byte) until its headers are complete, and admits
connections against per-IP and total caps. Every refusal is an OpenAI-shaped JSON answer with its
status (400, 408, 429, 431) and ``Connection: close``; the connection is then half-closed and
drained briefly, so that the answer is not lost to a reset while the client is still sending.

Nothing here counts against ``--max-in-flight``: calls are admitted once the request is complete.
"""

from __future__ import annotations

import asyncio
import collections
import http
import logging
from typing import Any, ClassVar

import httptools
import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from cordwire._codes import Code
from cordwire._errors import CordError

from ._edge_limits import EdgeLimits

__all__ = ["ConnectionTable", "EdgeProtocol", "edge_protocol"]

log = logging.getLogger("cordwire.edge")

_LINGER_SECONDS = 1.0
"""How long a refused connection is drained before it is aborted."""
_LINGER_BYTES = 256 * 1024
"""How much of a refused client's input is drained (and dropped) before reading stops."""


class ConnectionTable:
    """Open connections by client address, shared by every connection of one HTTP server."""

    def __init__(self, limits: EdgeLimits) -> None:
        self.limits = limits
        self.by_ip: collections.Counter[str] = collections.Counter()
        self.total = 0

    def admit(self, ip: str) -> CordError | None:
        """Counts the connection in, or says why it is refused (and does not count it)."""
        # Both caps answer 429, the status the edge contract gives a refused connection; the body
        # says which cap it was.
        if self.total >= self.limits.max_connections:
            return CordError(
                Code.RESOURCE_EXHAUSTED,
                f"the server holds its maximum of {self.limits.max_connections} connections",
                reason="too_many_connections",
                error_type="rate_limit_error",
                headers={"Retry-After": "1"},
            )
        if self.by_ip[ip] >= self.limits.max_connections_per_ip:
            return CordError(
                Code.RESOURCE_EXHAUSTED,
                f"more than {self.limits.max_connections_per_ip} connections from {ip}",
                reason="too_many_connections",
                error_type="rate_limit_error",
                headers={"Retry-After": "1"},
            )
        self.by_ip[ip] += 1
        self.total += 1
        return None

    def release(self, ip: str) -> None:
        self.total -= 1
        self.by_ip[ip] -= 1
        if self.by_ip[ip] <= 0:
            del self.by_ip[ip]  # the table holds only addresses with open connections


class _Refused(Exception):
    """Raised from a parser callback to refuse the request with ``error``."""

    def __init__(self, error: CordError) -> None:
        super().__init__(error.message)
        self.error = error


def _head_too_large(what: str) -> CordError:
    return CordError(
        Code.INVALID_ARGUMENT,
        what,
        reason="request_header_fields_too_large",
        error_type="invalid_request_error",
        status=431,
    )


def answer(error: CordError) -> bytes:
    """A complete HTTP/1.1 response for ``error`` that closes the connection."""
    body = orjson.dumps(error.to_json())
    status = error.http_status
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    lines = [
        f"HTTP/1.1 {status} {phrase}",
        "content-type: application/json",
        f"content-length: {len(body)}",
        "connection: close",
        *(f"{name.lower()}: {value}" for name, value in error.headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class EdgeProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the edge limits; ``edge_protocol`` binds it to a server."""

    limits: ClassVar[EdgeLimits]
    table: ClassVar[ConnectionTable]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ip: str | None = None
        """The client address this connection is counted under; None: not counted."""
        self._head_pending = True
        """The next bytes belong to a request line or headers."""
        self._head_bytes = 0
        self._head_lines = 0
        self._head_started = False
        """A request line has begun and its headers are not complete yet."""
        self._heads = 0
        """Heads completed on this connection."""
        self._head_timer: asyncio.TimerHandle | None = None
        self._refused = False
        self._drained = 0
        self._lost = False

    # Connections

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        ip = self.client[0] if self.client else ""
        refusal = self.table.admit(ip)
        if refusal is not None:
            self._refuse(refusal)
            return
        self._ip = ip
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._disarm_head_timer()
        if self._ip is not None:
            self.table.release(self._ip)
            self._ip = None
        super().connection_lost(exc)

    # Bytes in

    def data_received(self, data: bytes) -> None:
        if self._refused:
            self._drained += len(data)
            if self._drained > _LINGER_BYTES:
                # Stop reading rather than reset: a reset can destroy the answer before the client
                # reads it. Its writes now back up in the kernel until the linger ends.
                self.transport.pause_reading()
            return
        self._unset_keepalive_if_required()
        if not self._head_pending:
            self._feed(data)
            return
        if self.cycle is None or self.cycle.response_complete:
            # Bytes towards a head start its clock even if no request line begins (llhttp skips
            # blank lines): the keep-alive timer was just cancelled and nothing else would run.
            self._arm_head_timer()
        while data:
            if not self._head_pending:
                self._feed(data)  # body bytes (a pipelined head inside them goes uncounted)
                return
            room = self.limits.max_header_bytes - self._head_bytes
            if len(data) <= room:
                self._head_bytes += len(data)
                self._feed(data)
                return
            # Feed what the limit allows: the head may end inside it, the rest being body or the
            # next pipelined request (counted afresh from on_message_complete).
            heads = self._heads
            self._head_bytes = self.limits.max_header_bytes
            self._feed(data[:room])
            data = data[room:]
            if self._refused or self.transport.is_closing():
                return
            if self._head_pending and self._heads == heads:
                limit = self.limits.max_header_bytes
                self._refuse(_head_too_large(f"the request line and headers exceed {limit} bytes"))
                return

    def _feed(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # No upgrade is served: the request is answered as plain HTTP, and the connection ends
            # after it (the parser reads nothing more on it, so it would otherwise idle forever).
            if self.cycle is not None and not self.cycle.response_complete:
                self.cycle.keep_alive = False
            else:
                self.transport.close()
        except httptools.HttpParserError as exc:
            cause = exc.__context__
            if isinstance(cause, _Refused):
                self._refuse(cause.error)
            else:
                self._refuse(
                    CordError(Code.INVALID_ARGUMENT, f"malformed HTTP request: {exc}", reason="bad_request")
                )

    # Parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_pending = True
        self._head_started = True
        self._head_lines = 0
        if self.cycle is None or self.cycle.response_complete:
            self._arm_head_timer()
        # else: a pipelined request; its clock starts when the one before it is answered

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_lines += 1
        if self._head_lines > self.limits.max_headers:
            raise _Refused(_head_too_large(f"more than {self.limits.max_headers} header lines"))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_pending = False
        self._head_started = False
        self._heads += 1
        self._disarm_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        # What comes next is the next request's head, counted afresh.
        self._head_pending = True
        self._head_bytes = 0

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._head_started and not self.transport.is_closing():
            self._arm_head_timer()  # a pipelined head was already arriving

    # Time

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.keep_alive = False  # an answer is under way: end the connection after it
            return
        if self._head_bytes == 0 and not self._head_started:
            self.transport.close()  # nothing sent at all: no request to answer
            return
        timeout = self.limits.header_timeout
        self._refuse(
            CordError(
                Code.DEADLINE_EXCEEDED,
                f"the request headers did not arrive within {timeout:g}s",
                reason="request_timeout",
                error_type="invalid_request_error",
                status=408,
            )
        )

    # Refusals

    def _refuse(self, error: CordError) -> None:
        """Answer ``error``, half-close, drain a little of what the client still sends, then end."""
        if self._refused:
            return
        self._refused = True
        self._disarm_head_timer()
        self._unset_keepalive_if_required()
        if self.cycle is not None and not self.cycle.response_complete:
            # An answer is under way (a pipelined request was refused): nothing can be written in
            # its middle, so the connection ends after it and the rest of the input is dropped.
            self.cycle.keep_alive = False
            return
        log.debug("refused %s: %s %s", self.client, error.http_status, error.message)
        transport = self.transport
        transport.write(answer(error))
        if transport.can_write_eof():
            transport.write_eof()
        self.loop.call_later(_LINGER_SECONDS, self._linger_over)

    def _linger_over(self) -> None:
        if not self._lost:
            self.transport.abort()


def edge_protocol(limits: EdgeLimits) -> type[EdgeProtocol]:
    """``EdgeProtocol`` bound to ``limits`` and a connection table of its own (one per server)."""
    table = ConnectionTable(limits)
    bound: type[EdgeProtocol] = type("EdgeProtocol", (EdgeProtocol,), {"limits": limits, "table": table})
    return bound
