"""Typed exceptions for failed calls, one class per HTTP status of cordwire's shared code table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._codes import Code, code_for_http_status, http_status
from ._cord_error import CordError

__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "CordClientError",
    "DeadlineExceededError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestCancelledError",
    "ServiceUnavailableError",
    "UnimplementedError",
    "error_for_event",
    "error_for_grpc",
    "error_for_response",
]


class CordClientError(Exception):
    """A call failed: the server answered an error, or no answer came (``status`` is None then)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        type: str | None = None,
        param: str | None = None,
        grpc_code: Code | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        """The HTTP status (for gRPC calls, the one the shared table gives the gRPC code)."""
        self.code = code
        """The error body's ``code``: a reason such as ``model_not_found``, or the status name."""
        self.type = type
        """The error body's ``type`` (``invalid_request_error``, ``rate_limit_error``, ...)."""
        self.param = param
        """The request field at fault, if the server named one."""
        self.grpc_code = grpc_code
        """The call's gRPC status code, when known."""
        self.headers: dict[str, str] = dict(headers or {})
        """The error response's headers (``retry-after``, ``x-request-id``, ...)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, code={self.code!r}, message={self.message!r})"


class APIConnectionError(CordClientError):
    """No response: the connection could not be made or broke before the answer."""


class APITimeoutError(APIConnectionError):
    """No response within the client's timeout."""


class BadRequestError(CordClientError):
    """400: the request is malformed or not valid in the server's state."""


class AuthenticationError(CordClientError):
    """401: no API key, or one the server does not know."""


class PermissionDeniedError(CordClientError):
    """403: the key may not call this chute or cord."""


class NotFoundError(CordClientError):
    """404: no such route, chute, model or entity."""


class ConflictError(CordClientError):
    """409: the entity exists already, or a concurrent change aborted the call."""


class RateLimitError(CordClientError):
    """429: a rate limit, quota or concurrency bound was hit; retried by default."""


class RequestCancelledError(CordClientError):
    """499: the call was cancelled."""


class InternalServerError(CordClientError):
    """500 (and other 5xx without a class of their own): the server failed."""


class UnimplementedError(CordClientError):
    """501: the server does not implement this call."""


class ServiceUnavailableError(CordClientError):
    """503: transiently unavailable (starting, overloaded); retried by default."""


class DeadlineExceededError(CordClientError):
    """504: the call's deadline passed on the server side."""


# Keyed by HTTP status; a gRPC code reaches its class through the shared table (http_status), so
# the code->status mapping is written down once, in _codes.py.
_BY_STATUS: dict[int, type[CordClientError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
    499: RequestCancelledError,
    500: InternalServerError,
    501: UnimplementedError,
    503: ServiceUnavailableError,
    504: DeadlineExceededError,
}


def _class_for(status: int) -> type[CordClientError]:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return InternalServerError if status >= 500 else CordClientError


def _grpc_code(status: int, code: str | None) -> Code | None:
    # The gateway writes the code's name (lower-case) unless the handler gave a reason instead.
    if code and code.upper() in Code.__members__:
        return Code[code.upper()]
    return code_for_http_status(status)


def error_for_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> CordClientError:
    """The exception for an HTTP error response (``body``: its decoded JSON, or None)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {"message": f"HTTP {status} without an error body"}
    code = error.get("code")
    code = code if isinstance(code, str) else None
    return _class_for(status)(
        str(error.get("message") or f"HTTP {status}"),
        status=status,
        code=code,
        type=error.get("type") if isinstance(error.get("type"), str) else None,
        param=error.get("param") if isinstance(error.get("param"), str) else None,
        grpc_code=_grpc_code(status, code),
        headers=headers,
    )


def error_for_event(error: Any) -> CordClientError:
    """The exception for an ``{"error": ...}`` event in a stream (its HTTP status was 200)."""
    code = error.get("code") if isinstance(error, dict) else None
    grpc_code = Code[code.upper()] if isinstance(code, str) and code.upper() in Code.__members__ else None
    status = http_status(grpc_code) if grpc_code is not None else 500
    return error_for_response(status, {"error": error})


def error_for_grpc(
    code: Code | int, details: str, trailing: Iterable[tuple[str, str | bytes]] | None = None
) -> CordClientError:
    """The exception for a failed gRPC call; ``trailing`` carries cordwire's ``param``/``reason``."""
    cord = CordError.from_grpc(code, details, trailing)
    body = cord.to_json()["error"]
    return _class_for(cord.http_status)(
        cord.message,
        status=cord.http_status,
        code=body["code"],
        type=body["type"],
        param=cord.param,
        grpc_code=cord.code,
    )
