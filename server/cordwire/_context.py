"""The context a cord handler receives: metadata, deadline, response headers, cancellation."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from ._http_call import HttpCall

if TYPE_CHECKING:
    from cordwire.server.admission import Principal

__all__ = ["CordContext", "HttpCall"]

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 field-name
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")  # no CR, LF, NUL or other controls; Latin-1
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection", "content-type"})


class CordContext:
    """Transport-neutral view of one call, the same whether it came over gRPC or HTTP."""

    __slots__ = (
        "_cancelled",
        "deadline",
        "http",
        "metadata",
        "peer",
        "principal",
        "request_id",
        "response_headers",
        "response_status",
        "tokens_in",
        "tokens_out",
        "transport",
        "usage_model",
    )

    def __init__(
        self,
        *,
        metadata: Mapping[str, str],
        transport: str,
        deadline: float | None = None,
        peer: str = "",
        request_id: str | None = None,
    ) -> None:
        self.metadata: dict[str, str] = {k.lower(): v for k, v in metadata.items()}
        """The call's metadata (gRPC metadata, or HTTP ``Grpc-Metadata-*`` headers), keys lower-case."""
        self.transport = transport
        """``"grpc"`` or ``"http"``."""
        self.deadline = deadline
        """When the call must end, on the :func:`time.monotonic` clock; ``None`` for no deadline."""
        self.peer = peer
        self.request_id = request_id or self.metadata.get("x-request-id") or uuid.uuid4().hex
        """Echoed in logs and error messages; from ``X-Request-Id`` when the caller sent one."""
        self.response_headers: dict[str, str] = {}
        """Headers the handler sets for the response (gRPC initial metadata, HTTP headers)."""
        self.response_status: int | None = None
        """An HTTP success status other than 200 the handler chose (a returned Response's); HTTP only."""
        self.http: HttpCall | None = None
        """The HTTP request behind the call, set by the in-process gateway; None over gRPC."""
        self.principal: Principal | None = None
        """The admitted caller (key name and id, its quota); None until admitted, or without auth."""
        self.tokens_in = 0
        """Units consumed reading the input (prompt tokens), as reported through :meth:`add_usage`."""
        self.tokens_out = 0
        """Units produced (completion tokens), as reported through :meth:`add_usage`."""
        self.usage_model = ""
        """The model :meth:`add_usage` named, for usage grouped by model; ``""`` when none was."""
        self._cancelled = False

    @staticmethod
    def from_pairs(pairs: Iterable[tuple[str, str | bytes]], **kwargs: object) -> CordContext:
        """Build from gRPC-style metadata pairs; binary (``-bin``) values are skipped."""
        metadata = {k.lower(): v for k, v in pairs if isinstance(v, str)}
        return CordContext(metadata=metadata, **kwargs)  # type: ignore[arg-type]

    def time_remaining(self) -> float | None:
        """Seconds until the deadline, or ``None`` when the call has none."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def set_header(self, name: str, value: str) -> None:
        """Add a response header (HTTP) / initial-metadata entry (gRPC).

        ValueError for a name that is not an HTTP token, a value with control characters or
        beyond Latin-1, or a header that frames the response (the transport sets those): sent
        as is, they made the HTTP server drop the connection without an answer.
        """
        if not _TOKEN.fullmatch(name) or name.lower() in _FRAMING:
            raise ValueError(f"{name!r} cannot be set as a response header")
        if not _FIELD_VALUE.fullmatch(value):
            raise ValueError(f"response header {name!r} has a value HTTP cannot carry: {value!r}")
        self.response_headers[name.lower()] = value

    def add_usage(self, *, tokens_in: int = 0, tokens_out: int = 0, model: str | None = None) -> None:
        """Report what this call consumed, for the caller's usage record and token quota.

        Adds up over several reports, so a streaming handler may report as it goes (or once, in a
        ``finally``, so that a cancelled stream still counts what it used). ``tokens_in`` is recorded
        as ``prompt_tokens`` and ``tokens_out`` as ``completion_tokens``; ``model`` names the model
        that did the work (a name the server chose, never one copied from the request unchecked).
        """
        if tokens_in < 0 or tokens_out < 0:
            raise ValueError("usage is counted up: tokens_in and tokens_out must be >= 0")
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out
        if model:
            self.usage_model = model

    @property
    def cancelled(self) -> bool:
        """Whether the caller went away or the deadline passed."""
        return self._cancelled

    def mark_cancelled(self) -> None:
        self._cancelled = True
