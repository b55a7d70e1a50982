"""The one error type of cordwire, and its conversions to gRPC status and OpenAI-shaped JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._codes import Code, error_type, http_status

__all__ = ["ERROR_METADATA_PREFIX", "CordError"]

# Trailing-metadata keys that carry the parts of an error gRPC status has no field for, so that
# an error crossing gRPC (remote gateway, Go/Rust clients) keeps its `param` and `code`.
ERROR_METADATA_PREFIX = "cordwire-error-"


class CordError(Exception):
    """Ends a call with a status. Raised by handlers; produced by cordwire for protocol failures."""

    def __init__(
        self,
        code: Code | int,
        message: str,
        *,
        param: str | None = None,
        reason: str | None = None,
        error_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = Code(code)
        self.message = message
        self.param = param
        """The request field at fault, as OpenAI's ``error.param``."""
        self.reason = reason
        """A machine-readable reason (OpenAI's ``error.code``, e.g. ``model_not_found``)."""
        self.error_type = error_type
        """Overrides the ``error.type`` derived from the code."""
        self.headers: dict[str, str] = dict(headers or {})
        """Extra HTTP headers for the error response (e.g. ``Retry-After``)."""
        self._status = status
        """An HTTP status other than the code's (413, 502, …): kept across a gRPC hop."""

    def __repr__(self) -> str:
        return f"CordError({self.code.name}, {self.message!r})"

    @property
    def http_status(self) -> int:
        return self._status or http_status(self.code)

    def to_json(self) -> dict[str, Any]:
        """The OpenAI-shaped error body."""
        return {
            "error": {
                "message": self.message,
                "type": self.error_type or error_type(self.code, self.http_status),
                "param": self.param,
                "code": self.reason or self.code.name.lower(),
            }
        }

    def trailing_metadata(self) -> tuple[tuple[str, str], ...]:
        """The gRPC trailing metadata that carries ``param``, ``reason`` and ``type``."""
        status = str(self.http_status) if self.http_status != http_status(self.code) else None
        pairs = [
            ("param", self.param),
            ("reason", self.reason),
            ("type", self.error_type),
            ("status", status),
        ]
        return tuple((ERROR_METADATA_PREFIX + k, v) for k, v in pairs if v)

    @classmethod
    def from_grpc(
        cls, code: Code | int, message: str, trailing: Iterable[tuple[str, str | bytes]] | None = None
    ) -> CordError:
        """Rebuild an error received over gRPC (the inverse of :meth:`trailing_metadata`)."""
        extra: dict[str, str] = {}
        for key, value in trailing or ():
            if key.startswith(ERROR_METADATA_PREFIX) and isinstance(value, str):
                extra[key[len(ERROR_METADATA_PREFIX) :]] = value
        status = extra.get("status", "")
        return cls(
            code,
            message,
            param=extra.get("param"),
            reason=extra.get("reason"),
            error_type=extra.get("type"),
            status=int(status) if status.isdigit() and 400 <= int(status) <= 599 else None,
        )
