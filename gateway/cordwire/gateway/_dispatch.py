"""Where a transcoded call goes: the servicer in this process, or a gRPC server elsewhere."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

import grpc
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message

from cordwire._codes import Code
from cordwire._cords import Cord
from cordwire._errors import CordError
from cordwire._protos import message_class
from cordwire.server import ChuteServer, CordContext, Invoker

__all__ = ["Dispatcher", "InProcessDispatcher", "RemoteDispatcher"]


class Dispatcher(Protocol):
    """Runs one call of a method; failures arrive as CordError."""

    @property
    def ready(self) -> bool: ...

    async def unary(self, method: MethodDescriptor, request: Message, ctx: CordContext) -> Message: ...

    def stream(
        self, method: MethodDescriptor, request: Message, ctx: CordContext
    ) -> AsyncIterator[Message]: ...


class InProcessDispatcher:
    """Calls the handlers directly: no serialization, no loopback hop."""

    def __init__(self, server: ChuteServer) -> None:
        self._server = server
        self._cords = server.cords

    @property
    def ready(self) -> bool:
        return self._server.ready

    async def unary(self, method: MethodDescriptor, request: Message, ctx: CordContext) -> Message:
        invoker, cord = self._target(method)
        return await invoker.unary(cord, request, ctx)

    def stream(self, method: MethodDescriptor, request: Message, ctx: CordContext) -> AsyncIterator[Message]:
        invoker, cord = self._target(method)
        return invoker.stream(cord, request, ctx)

    def _target(self, method: MethodDescriptor) -> tuple[Invoker, Cord]:
        cord = self._cords.get(method.name)
        if cord is not None and cord.method is method:  # the chute's own: the common case, one lookup
            return self._server.invoker, cord
        return self._server.target(method.containing_service.full_name, method.name)


class RemoteDispatcher:
    """Forwards calls over gRPC to an upstream cordwire (or any) server, metadata and deadline included."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._channel = channel
        self._callables: dict[str, Any] = {}

    @property
    def ready(self) -> bool:
        return True  # the upstream answers UNAVAILABLE itself while it is not

    def _callable(self, method: MethodDescriptor) -> Any:
        found = self._callables.get(method.full_name)
        if found is None:
            path = f"/{method.containing_service.full_name}/{method.name}"
            factory = {
                (False, False): self._channel.unary_unary,
                (False, True): self._channel.unary_stream,
                (True, False): self._channel.stream_unary,
                (True, True): self._channel.stream_stream,
            }[(method.client_streaming, method.server_streaming)]
            found = factory(
                path,
                request_serializer=message_class(method.input_type).SerializeToString,
                response_deserializer=message_class(method.output_type).FromString,
            )
            self._callables[method.full_name] = found
        return found

    async def unary(self, method: MethodDescriptor, request: Message, ctx: CordContext) -> Message:
        call = self._callable(method)(request, metadata=_metadata(ctx), timeout=ctx.time_remaining())
        try:
            response: Message = await call
            ctx.response_headers.update(_headers(await call.initial_metadata()))
        except grpc.aio.AioRpcError as exc:
            raise _error(exc) from None
        return response

    async def stream(
        self, method: MethodDescriptor, request: Message, ctx: CordContext
    ) -> AsyncIterator[Message]:
        call = self._callable(method)(request, metadata=_metadata(ctx), timeout=ctx.time_remaining())
        try:
            first = True
            async for message in call:
                if first:
                    ctx.response_headers.update(_headers(await call.initial_metadata()))
                    first = False
                yield message
        except grpc.aio.AioRpcError as exc:
            raise _error(exc) from None
        finally:
            call.cancel()  # the HTTP client went away: stop the upstream call too


def _metadata(ctx: CordContext) -> tuple[tuple[str, str], ...]:
    # The gateway's request id goes upstream too, so that the upstream's logs and error messages
    # quote the id the HTTP client got in X-Request-Id.
    return (
        *((k, v) for k, v in ctx.metadata.items() if k != "x-request-id"),
        ("x-request-id", ctx.request_id),
    )


def _headers(metadata: Any) -> dict[str, str]:
    # x-request-id comes back from a cordwire upstream; the gateway echoes its own (the same) id.
    return {k: v for k, v in (metadata or ()) if isinstance(v, str) and k != "x-request-id"}


def _error(exc: grpc.aio.AioRpcError) -> CordError:
    return CordError.from_grpc(Code(exc.code().value[0]), exc.details() or "", exc.trailing_metadata())
