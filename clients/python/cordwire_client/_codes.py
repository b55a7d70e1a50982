"""Status codes: gRPC's numbering, and the one table that maps them onto HTTP."""

from __future__ import annotations

import enum

__all__ = ["Code", "code_for_http_status", "error_type", "http_status"]


class Code(enum.IntEnum):
    """A call's outcome; values are the gRPC status numbers, so ``Code(5) is Code.NOT_FOUND``."""

    OK = 0
    """Success."""
    CANCELLED = 1
    """The caller cancelled the call (or went away)."""
    UNKNOWN = 2
    """An error with no better classification."""
    INVALID_ARGUMENT = 3
    """The request is malformed, whatever the server's state."""
    DEADLINE_EXCEEDED = 4
    """The deadline passed before the call completed."""
    NOT_FOUND = 5
    """A requested entity (model, route, chute) does not exist."""
    ALREADY_EXISTS = 6
    """The entity the caller tried to create exists already."""
    PERMISSION_DENIED = 7
    """The caller is known but may not do this."""
    RESOURCE_EXHAUSTED = 8
    """A quota, rate limit or capacity bound was hit."""
    FAILED_PRECONDITION = 9
    """The system is not in a state that allows this call."""
    ABORTED = 10
    """Aborted by a concurrency conflict."""
    OUT_OF_RANGE = 11
    """A value past the valid range."""
    UNIMPLEMENTED = 12
    """The operation is not implemented or not enabled."""
    INTERNAL = 13
    """An invariant broke inside the server."""
    UNAVAILABLE = 14
    """Transiently unavailable; retrying later may succeed."""
    DATA_LOSS = 15
    """Unrecoverable data loss or corruption."""
    UNAUTHENTICATED = 16
    """No valid credentials came with the call."""


# grpc-gateway's HTTPStatusFromCode: 499 is nginx's "client closed request"; FAILED_PRECONDITION is 400
# rather than 412 because 412 is about HTTP conditional headers, which gRPC callers never send.
_HTTP_STATUS: dict[Code, int] = {
    Code.OK: 200,
    Code.CANCELLED: 499,
    Code.UNKNOWN: 500,
    Code.INVALID_ARGUMENT: 400,
    Code.DEADLINE_EXCEEDED: 504,
    Code.NOT_FOUND: 404,
    Code.ALREADY_EXISTS: 409,
    Code.PERMISSION_DENIED: 403,
    Code.RESOURCE_EXHAUSTED: 429,
    Code.FAILED_PRECONDITION: 400,
    Code.ABORTED: 409,
    Code.OUT_OF_RANGE: 400,
    Code.UNIMPLEMENTED: 501,
    Code.INTERNAL: 500,
    Code.UNAVAILABLE: 503,
    Code.DATA_LOSS: 500,
    Code.UNAUTHENTICATED: 401,
}

# The `type` field of OpenAI-shaped error bodies; the SDKs pick exception classes by HTTP status,
# so this is for people reading the body.
_ERROR_TYPE: dict[Code, str] = {
    Code.CANCELLED: "cancelled_error",
    Code.INVALID_ARGUMENT: "invalid_request_error",
    Code.NOT_FOUND: "invalid_request_error",
    Code.ALREADY_EXISTS: "invalid_request_error",
    Code.FAILED_PRECONDITION: "invalid_request_error",
    Code.OUT_OF_RANGE: "invalid_request_error",
    Code.UNIMPLEMENTED: "invalid_request_error",
    Code.UNAUTHENTICATED: "authentication_error",
    Code.PERMISSION_DENIED: "permission_error",
    Code.RESOURCE_EXHAUSTED: "rate_limit_error",
    Code.DEADLINE_EXCEEDED: "timeout_error",
    Code.ABORTED: "conflict_error",
}


def http_status(code: Code) -> int:
    """The HTTP status that answers a call ending with ``code``."""
    return _HTTP_STATUS[code]


# The same table read backwards. Where several codes share a status, the one that status names;
# statuses the forward table never produces go to the nearest code (413 is "too much", as the
# gateway's own 413 for a body over the limit).
_CODE_BY_STATUS: dict[int, Code] = {
    **{status: code for code, status in reversed(_HTTP_STATUS.items()) if code is not Code.OK},
    400: Code.INVALID_ARGUMENT,
    409: Code.ALREADY_EXISTS,
    500: Code.INTERNAL,
    408: Code.DEADLINE_EXCEEDED,
    412: Code.FAILED_PRECONDITION,
    413: Code.RESOURCE_EXHAUSTED,
    416: Code.OUT_OF_RANGE,
    422: Code.INVALID_ARGUMENT,
    431: Code.RESOURCE_EXHAUSTED,
    502: Code.UNAVAILABLE,
}


def code_for_http_status(status: int) -> Code:
    """The gRPC code for an HTTP error status (unlisted 4xx: INVALID_ARGUMENT, others: INTERNAL)."""
    if status in _CODE_BY_STATUS:
        return _CODE_BY_STATUS[status]
    return Code.INVALID_ARGUMENT if 400 <= status < 500 else Code.INTERNAL


# Statuses that are the caller's fault although their code is not (RESOURCE_EXHAUSTED reads as a rate
# limit): a body or headers over the limit.
_CALLER_FAULT_STATUSES = frozenset({413, 431})


def error_type(code: Code, status: int | None = None) -> str:
    """The OpenAI-style ``error.type`` for ``code`` (answered with HTTP ``status``, when it differs)."""
    if status in _CALLER_FAULT_STATUSES:
        return "invalid_request_error"
    return _ERROR_TYPE.get(code, "server_error")
