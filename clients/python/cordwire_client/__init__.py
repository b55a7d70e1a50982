"""Python client for cordwire chutes: HTTP/JSON (sync and asyncio) with retries and typed errors,
and gRPC channels that carry the API key.

    from cordwire_client import Client

    with Client("http://127.0.0.1:8080", api_key="cw_...") as client:
        reply = client.call("/v1/chat/completions", {"model": "tiny-lm", "messages": [...]})

Installs with httpx alone; the gRPC helpers (``grpc_channel``, ``aio_grpc_channel``,
``error_from_rpc``) need the ``[grpc]`` extra and load grpc only when first used.
"""

from typing import TYPE_CHECKING, Any

from ._async import AsyncClient
from ._codes import Code, code_for_http_status, http_status
from ._cord_error import CordError
from ._errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    CordClientError,
    DeadlineExceededError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestCancelledError,
    ServiceUnavailableError,
    UnimplementedError,
)
from ._jobs import FINAL_STATUSES, AsyncJobs, Jobs
from ._retry import RetryPolicy
from ._sync import Client

if TYPE_CHECKING:
    from ._grpc import aio_grpc_channel, error_from_rpc, grpc_channel

_GRPC_HELPERS = frozenset({"aio_grpc_channel", "error_from_rpc", "grpc_channel"})


def __getattr__(name: str) -> Any:
    # grpc is an optional dependency: import it on first use of a gRPC helper, not with the client.
    if name in _GRPC_HELPERS:
        from . import _grpc

        return getattr(_grpc, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FINAL_STATUSES",
    "APIConnectionError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncJobs",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "Code",
    "ConflictError",
    "CordClientError",
    "CordError",
    "DeadlineExceededError",
    "InternalServerError",
    "Jobs",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestCancelledError",
    "RetryPolicy",
    "ServiceUnavailableError",
    "UnimplementedError",
    "aio_grpc_channel",
    "code_for_http_status",
    "error_from_rpc",
    "grpc_channel",
    "http_status",
]
