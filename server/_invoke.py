"""Running a cord's handler: the one path every call takes, whatever its transport."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from .._codes import Code
from .._cords import Cord
from .._errors import CordError
from ._context import CordContext

__all__ = ["CallGuard", "Invoker"]

log = logging.getLogger("cordwire.server")

CallGuard = Callable[[Cord, CordContext], AbstractAsyncContextManager[None]]
"""Admission step run around every call (auth, limits); raises CordError to refuse it."""


class Invoker:
    """Calls handlers with the chute as ``self``; turns results and failures into messages and CordErrors."""

    def __init__(self, owner: Any, guards: tuple[CallGuard, ...] = ()) -> None:
        self._owner = owner
        self._guards = guards

    async def unary(self, cord: Cord, request: Any, ctx: CordContext) -> Message:
        """Unary and client-streaming calls (``request`` is then an async iterator)."""
        async with self._guarded(cord, ctx):
            try:
                async with asyncio.timeout(_timeout(cord, ctx)):
                    if cord.runs_in_thread:
                        result = await asyncio.to_thread(cord.handler, self._owner, request, ctx)
                    else:
                        result = await cord.handler(self._owner, request, ctx)
                return _to_message(cord, result)
            except BaseException as exc:
                raise _as_cord_error(cord, ctx, exc) from exc

    async def stream(self, cord: Cord, request: Any, ctx: CordContext) -> AsyncIterator[Message]:
        """Server- and bidi-streaming calls: the handler's messages, converted as they come."""
        async with self._guarded(cord, ctx):
            gen = cord.handler(self._owner, request, ctx)
            limit = _timeout(cord, ctx)
            deadline = None if limit is None else asyncio.get_running_loop().time() + limit
            try:
                while True:
                    # The timeout wraps only the step into the handler, never our own `yield`:
                    # a cancel scope open across a yield would fire in the consumer's task.
                    try:
                        async with asyncio.timeout_at(deadline):
                            item = await anext(gen)
                    except StopAsyncIteration:
                        break
                    except BaseException as exc:
                        raise _as_cord_error(cord, ctx, exc) from exc
                    try:
                        message = _to_message(cord, item)
                    except _HandlerBug as exc:
                        raise _as_cord_error(cord, ctx, exc) from exc
                    yield message
            finally:
                await gen.aclose()

    @contextlib.asynccontextmanager
    async def _guarded(self, cord: Cord, ctx: CordContext) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            for guard in self._guards:
                await stack.enter_async_context(guard(cord, ctx))
            yield


def _timeout(cord: Cord, ctx: CordContext) -> float | None:
    remaining = ctx.time_remaining()
    if cord.options.timeout_ms:
        limit = cord.options.timeout_ms / 1000
        remaining = limit if remaining is None else min(limit, remaining)
    return remaining


def _to_message(cord: Cord, result: Any) -> Message:
    if isinstance(result, cord.output_class):
        return result
    if isinstance(result, dict):
        try:
            return json_format.ParseDict(result, cord.output_class())
        except json_format.ParseError as exc:
            raise _HandlerBug(
                f"returned a dict that is not a {cord.method.output_type.full_name}: {exc}"
            ) from exc
    raise _HandlerBug(
        f"returned {type(result).__name__}; expected {cord.method.output_type.full_name} or a dict for it"
    )


class _HandlerBug(Exception):
    """The handler broke its contract (a server-side fault, reported as INTERNAL)."""


def _as_cord_error(cord: Cord, ctx: CordContext, exc: BaseException) -> BaseException:
    if isinstance(exc, CordError):
        return exc
    if isinstance(exc, TimeoutError):
        ctx.mark_cancelled()
        return CordError(Code.DEADLINE_EXCEEDED, f"{cord.name} did not finish before its deadline")
    if isinstance(exc, asyncio.CancelledError | GeneratorExit | KeyboardInterrupt | SystemExit):
        ctx.mark_cancelled()
        return exc
    # The traceback goes to the log only: clients get the request id to quote, never internals.
    log.error("cord %s failed (request %s)", cord.full_path, ctx.request_id, exc_info=exc)
    return CordError(Code.INTERNAL, f"internal error in {cord.name} (request id {ctx.request_id})")


def monotonic_deadline(seconds: float | None) -> float | None:
    return None if seconds is None else time.monotonic() + seconds
