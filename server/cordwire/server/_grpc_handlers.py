"""grpc.aio method handlers built at run time from a chute's descriptors: no generated servicer."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import grpc
from google.protobuf.message import Message

from cordwire._codes import Code
from cordwire._context import CordContext
from cordwire._cords import Cord, CordKind
from cordwire._errors import CordError

from ._invoke import Invoker

__all__ = ["GRPC_STATUS", "build_generic_handler", "grpc_status"]

GRPC_STATUS: dict[Code, grpc.StatusCode] = {Code(sc.value[0]): sc for sc in grpc.StatusCode}


def grpc_status(code: Code) -> grpc.StatusCode:
    return GRPC_STATUS[code]


def _context(gctx: grpc.aio.ServicerContext[Any, Any]) -> CordContext:
    remaining = gctx.time_remaining()
    ctx = CordContext.from_pairs(
        gctx.invocation_metadata() or (),
        transport="grpc",
        deadline=None if remaining is None else time.monotonic() + remaining,
        peer=gctx.peer() or "",
    )
    # The id the access log and error messages quote goes back to the caller in the trailers of
    # every call (they travel in the call's last batch: free), and in the initial metadata of a
    # stream. Not in a unary call's initial metadata: grpc.aio sends that as a batch of its own
    # (another trip through grpc core and the event loop), which cost about a tenth of the
    # server's time in a profile of small calls.
    gctx.set_trailing_metadata((("x-request-id", ctx.request_id),))
    return ctx


_RETRY_HEADERS = frozenset({"retry-after", "retry-after-ms"})


async def _abort(gctx: grpc.aio.ServicerContext[Any, Any], error: CordError, ctx: CordContext) -> None:
    # Retry-After travels as trailing metadata too: a gRPC caller refused for a rate limit or a
    # quota learns when to come back as an HTTP caller does.
    retry = tuple((k.lower(), v) for k, v in error.headers.items() if k.lower() in _RETRY_HEADERS)
    gctx.set_trailing_metadata((*error.trailing_metadata(), *retry, ("x-request-id", ctx.request_id)))
    await gctx.abort(grpc_status(error.code), error.message)


async def _send_headers(gctx: grpc.aio.ServicerContext[Any, Any], ctx: CordContext) -> None:
    if ctx.response_headers:
        await gctx.send_initial_metadata(tuple(ctx.response_headers.items()))


def _unary(invoker: Invoker, cord: Cord) -> Any:
    async def handle(request: Any, gctx: grpc.aio.ServicerContext[Any, Any]) -> Message:
        ctx = _context(gctx)
        try:
            response = await invoker.unary(cord, request, ctx)
        except CordError as error:
            await _abort(gctx, error, ctx)
            raise  # unreachable: abort raises
        await _send_headers(gctx, ctx)
        return response

    return handle


def _streaming(invoker: Invoker, cord: Cord) -> Any:
    async def handle(request: Any, gctx: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Message]:
        ctx = _context(gctx)
        ctx.set_header("x-request-id", ctx.request_id)
        first = True
        try:
            async for message in invoker.stream(cord, request, ctx):
                if first:
                    await _send_headers(gctx, ctx)
                    first = False
                yield message
        except CordError as error:
            await _abort(gctx, error, ctx)

    return handle


_FACTORIES = {
    CordKind.UNARY: grpc.unary_unary_rpc_method_handler,
    CordKind.SERVER_STREAMING: grpc.unary_stream_rpc_method_handler,
    CordKind.CLIENT_STREAMING: grpc.stream_unary_rpc_method_handler,
    CordKind.BIDI_STREAMING: grpc.stream_stream_rpc_method_handler,
}


def build_generic_handler(
    service_name: str, cords: Mapping[str, Cord], invoker: Invoker
) -> grpc.GenericRpcHandler:
    handlers = {}
    for name, cord in cords.items():
        behaviour = _streaming(invoker, cord) if cord.kind.streams_responses else _unary(invoker, cord)
        handlers[name] = _FACTORIES[cord.kind](
            behaviour,
            request_deserializer=cord.input_class.FromString,
            response_serializer=cord.output_class.SerializeToString,
        )
    return grpc.method_handlers_generic_handler(service_name, handlers)
