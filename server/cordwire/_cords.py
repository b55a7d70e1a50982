"""A cord: one RPC of a chute's service bound to its handler, checked once at start-up."""

from __future__ import annotations

import dataclasses
import enum
import inspect
from collections.abc import Callable
from typing import Any

from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message

from cordwire._errors import DefinitionError

from ._protos import cord_options, message_class
from .v1 import options_pb2

__all__ = ["ChuteDefinitionError", "Cord", "CordKind", "bind_cord"]

Handler = Callable[..., Any]


class ChuteDefinitionError(DefinitionError):
    """The chute is defined wrongly (a start-up error, never a status at request time)."""


class CordKind(enum.Enum):
    UNARY = "unary"
    SERVER_STREAMING = "server_streaming"
    CLIENT_STREAMING = "client_streaming"
    BIDI_STREAMING = "bidi_streaming"

    @classmethod
    def of(cls, method: MethodDescriptor) -> CordKind:
        return {
            (False, False): cls.UNARY,
            (False, True): cls.SERVER_STREAMING,
            (True, False): cls.CLIENT_STREAMING,
            (True, True): cls.BIDI_STREAMING,
        }[(method.client_streaming, method.server_streaming)]

    @property
    def streams_responses(self) -> bool:
        return self in (CordKind.SERVER_STREAMING, CordKind.BIDI_STREAMING)

    @property
    def streams_requests(self) -> bool:
        return self in (CordKind.CLIENT_STREAMING, CordKind.BIDI_STREAMING)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Cord:
    """An RPC bound to its handler, with everything a call needs precomputed."""

    method: MethodDescriptor
    """The RPC's descriptor."""
    handler: Handler
    """The user's function: ``(self, request, context)``."""
    kind: CordKind
    """Which of the four gRPC call shapes the RPC has."""
    input_class: type[Message]
    """Concrete class of the request message."""
    output_class: type[Message]
    """Concrete class of the response message."""
    runs_in_thread: bool
    """A plain (sync) function: run in the thread pool so it cannot block the event loop."""
    options: options_pb2.CordOptions
    """The method's ``(cordwire.v1.cord)`` options."""

    @property
    def name(self) -> str:
        return str(self.method.name)

    @property
    def full_path(self) -> str:
        """The gRPC path, ``/package.Service/Method``."""
        return f"/{self.method.containing_service.full_name}/{self.method.name}"


def bind_cord(method: MethodDescriptor, handler: Handler) -> Cord:
    """Check that ``handler`` has the shape its RPC needs and precompute the call's parts."""
    kind = CordKind.of(method)
    where = f"cord {method.name!r} ({kind.value}, handler {getattr(handler, '__qualname__', handler)!r})"
    if not callable(handler):
        raise ChuteDefinitionError(f"{where}: the handler is not callable")
    _check_parameters(handler, where)
    is_async_gen = inspect.isasyncgenfunction(handler)
    is_coroutine = inspect.iscoroutinefunction(handler)
    if kind.streams_responses and not is_async_gen:
        raise ChuteDefinitionError(
            f"{where}: a {kind.value} RPC needs an async generator (`async def` with `yield`)"
        )
    if not kind.streams_responses and is_async_gen:
        raise ChuteDefinitionError(f"{where}: the RPC returns one message, so the handler must not yield")
    if not kind.streams_responses and inspect.isgeneratorfunction(handler):
        raise ChuteDefinitionError(f"{where}: the RPC returns one message, so the handler must not yield")
    if kind.streams_requests and not (is_async_gen or is_coroutine):
        raise ChuteDefinitionError(
            f"{where}: a {kind.value} RPC takes an async iterator of requests; its handler must be async"
        )
    return Cord(
        method=method,
        handler=handler,
        kind=kind,
        input_class=message_class(method.input_type),
        output_class=message_class(method.output_type),
        runs_in_thread=not (is_async_gen or is_coroutine),
        options=cord_options(method),
    )


def _check_parameters(handler: Handler, where: str) -> None:
    try:
        params = list(inspect.signature(handler).parameters.values())
    except (TypeError, ValueError):  # builtins without signatures: nothing to check
        return
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return
    required = [p for p in positional if p.default is p.empty]
    if len(positional) < 3 or len(required) > 3:
        raise ChuteDefinitionError(f"{where}: the handler must take (self, request, context)")
