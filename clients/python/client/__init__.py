"""Python client for cordwire chutes: HTTP/JSON (sync and asyncio) with retries and typed errors,
and gRPC channels that carry the API key.

    from cordwire.client import Client

    with Client("http://127.0.0.1:8080", api_key="cw_...") as client:
        reply = client.call("/v1/chat/completions", {"model": "tiny-lm", "messages": [...]})
"""

from ._async import AsyncClient
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
from ._grpc import aio_grpc_channel, error_from_rpc, grpc_channel
from ._retry import RetryPolicy
from ._sync import Client

__all__ = [
    "APIConnectionError",
    "APITimeoutError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "CordClientError",
    "DeadlineExceededError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestCancelledError",
    "RetryPolicy",
    "ServiceUnavailableError",
    "UnimplementedError",
    "aio_grpc_channel",
    "error_from_rpc",
    "grpc_channel",
]
