"""The seeds' FastAPI spellings on top of cordwire: ``HTTPException`` and ``Response``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from cordwire._codes import code_for_http_status
from cordwire._errors import CordError

__all__ = ["HTTPException", "Response", "is_response"]


class HTTPException(CordError):
    """FastAPI's ``HTTPException(status_code, detail)``: a CordError that keeps its HTTP status.

    The gateway answers with ``status_code`` itself (in-process and over gRPC for every status the
    code table maps back one-to-one); gRPC callers see the nearest code.
    """

    def __init__(
        self, status_code: int, detail: Any = None, headers: Mapping[str, str] | None = None
    ) -> None:
        if not 400 <= status_code <= 599:
            raise ValueError(f"HTTPException needs an error status (4xx or 5xx), not {status_code}")
        message = detail if isinstance(detail, str) else _describe(status_code, detail)
        super().__init__(code_for_http_status(status_code), message, headers=headers, status=status_code)
        self.status_code = status_code
        self.detail = detail

    def __repr__(self) -> str:
        return f"HTTPException({self.status_code}, {self.detail!r})"


def _describe(status: int, detail: Any) -> str:
    if detail is None:
        return f"HTTP {status}"
    return orjson.dumps(detail, default=str).decode()


class Response:
    """A finished response: body, media type and extra headers (FastAPI/starlette's ``Response``).

    A handler may return this, or any object with starlette's shape (``body``, ``media_type``,
    ``headers``, ``status_code``), so ``from fastapi import Response`` keeps working too.
    """

    media_type: str | None = None

    def __init__(
        self,
        content: str | bytes | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        self.body = content.encode() if isinstance(content, str) else (content or b"")
        self.status_code = status_code
        self.headers: dict[str, str] = dict(headers or {})
        if media_type is not None:
            self.media_type = media_type

    def __repr__(self) -> str:
        return f"Response({len(self.body)} bytes, {self.media_type!r}, status {self.status_code})"


def is_response(value: object) -> bool:
    """Whether ``value`` is a Response, ours or starlette's (duck-typed: no import of starlette)."""
    return isinstance(value, Response) or (
        isinstance(getattr(value, "body", None), bytes) and hasattr(value, "headers")
    )
