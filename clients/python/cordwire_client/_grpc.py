"""gRPC channels that put the API key on every call, for stubs generated from a chute's protos."""

from __future__ import annotations

import collections
import os
from collections.abc import Sequence
from typing import Any

import grpc

from ._errors import CordClientError, error_for_grpc

__all__ = ["aio_grpc_channel", "error_from_rpc", "grpc_channel"]

_Options = Sequence[tuple[str, Any]]


def _key(api_key: str | None) -> str | None:
    return api_key if api_key is not None else os.environ.get("CORDWIRE_API_KEY") or None


def _with_key(metadata: Any, key: str) -> list[tuple[str, str | bytes]]:
    # A key the caller set on the call itself wins over the channel's.
    pairs = list(metadata or ())
    if not any(k == "x-api-key" for k, _ in pairs):
        pairs.append(("x-api-key", key))
    return pairs


class _CallDetails(
    collections.namedtuple(
        "_CallDetails", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")
    ),
    grpc.ClientCallDetails,  # type: ignore[misc]  # grpc has no type stubs
):
    """The sync API leaves building call details to interceptors: a value with the same fields."""


class _SyncKey(
    grpc.UnaryUnaryClientInterceptor,  # type: ignore[misc]
    grpc.UnaryStreamClientInterceptor,  # type: ignore[misc]
    grpc.StreamUnaryClientInterceptor,  # type: ignore[misc]
    grpc.StreamStreamClientInterceptor,  # type: ignore[misc]
):
    def __init__(self, key: str) -> None:
        self._key = key

    def _details(self, details: Any) -> _CallDetails:
        return _CallDetails(
            details.method,
            details.timeout,
            _with_key(details.metadata, self._key),
            details.credentials,
            details.wait_for_ready,
            getattr(details, "compression", None),
        )

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._details(details), requests)


class _AioKey:
    """Shared by the four grpc.aio interceptor kinds below (one class per kind: grpc.aio picks the
    interceptor for a call by its base class)."""

    def __init__(self, key: str) -> None:
        self._key = key

    def _details(self, details: Any) -> Any:
        return details._replace(metadata=grpc.aio.Metadata(*_with_key(details.metadata, self._key)))


class _AioUnaryUnary(_AioKey, grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _AioUnaryStream(_AioKey, grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(self._details(details), request)


class _AioStreamUnary(_AioKey, grpc.aio.StreamUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)


class _AioStreamStream(_AioKey, grpc.aio.StreamStreamClientInterceptor):  # type: ignore[misc]
    async def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return await continuation(self._details(details), requests)


def grpc_channel(
    target: str,
    api_key: str | None = None,
    *,
    credentials: grpc.ChannelCredentials | None = None,
    options: _Options = (),
) -> grpc.Channel:
    """A blocking channel to ``target`` (``host:port``) sending ``api_key`` (default
    $CORDWIRE_API_KEY) as ``x-api-key`` on every call; TLS when ``credentials`` are given."""
    channel = (
        grpc.secure_channel(target, credentials, options=options)
        if credentials is not None
        else grpc.insecure_channel(target, options=options)
    )
    key = _key(api_key)
    return grpc.intercept_channel(channel, _SyncKey(key)) if key else channel


def aio_grpc_channel(
    target: str,
    api_key: str | None = None,
    *,
    credentials: grpc.ChannelCredentials | None = None,
    options: _Options = (),
) -> grpc.aio.Channel:
    """:func:`grpc_channel` for asyncio (grpc.aio)."""
    key = _key(api_key)
    interceptors = (
        [_AioUnaryUnary(key), _AioUnaryStream(key), _AioStreamUnary(key), _AioStreamStream(key)]
        if key
        else None
    )
    if credentials is not None:
        return grpc.aio.secure_channel(target, credentials, options=options, interceptors=interceptors)
    return grpc.aio.insecure_channel(target, options=options, interceptors=interceptors)


def error_from_rpc(error: grpc.RpcError) -> CordClientError:
    """The typed exception for a failed gRPC call (its param/reason come from trailing metadata)."""
    code = error.code()
    trailing = error.trailing_metadata() or ()
    return error_for_grpc(code.value[0], error.details() or "", trailing)
