"""Running a cord's handler: the one path every call takes, whatever its transport."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, cast

from google.protobuf import json_format
from google.protobuf.message import Message

from cordwire._codes import Code
from cordwire._context import CordContext
from cordwire._cords import Cord
from cordwire._errors import CordError

__all__ = ["CallGuard", "CallObserver", "CallRecord", "Invoker", "PassiveRecord", "observe_all"]

log = logging.getLogger("cordwire.server")

CallGuard = Callable[[Cord, CordContext], AbstractAsyncContextManager[None]]
"""Admission step run around every call (auth, limits); raises CordError to refuse it."""


class CallRecord(Protocol):
    """One call as an observer follows it (metrics, access log, trace span)."""

    def activate(self) -> object:
        """Make the call's trace context current for the next step into the handler; a token."""

    def deactivate(self, token: object) -> None: ...

    def message(self, message: Message) -> None:
        """A streamed response message went out."""

    def end(self, error: BaseException | None, response: Message | None = None) -> None:
        """The call ended: ``None``, a CordError, or a cancellation; ``response``: a unary call's answer."""


class CallObserver(Protocol):
    """Watches every call from outside the guards, so refusals are seen too (server/observability,
    server/usage). ``request`` is the request message, or an async iterator of them (client streams)."""

    def begin(self, cord: Cord, ctx: CordContext, request: Any) -> CallRecord: ...


def observe_all(observers: Sequence[CallObserver]) -> CallObserver | None:
    """One observer reporting to each of ``observers`` in turn (None for none, the one for one)."""
    if len(observers) < 2:
        return observers[0] if observers else None
    return _FanOut(tuple(observers))


class _FanOut:
    __slots__ = ("_observers",)

    def __init__(self, observers: tuple[CallObserver, ...]) -> None:
        self._observers = observers

    def begin(self, cord: Cord, ctx: CordContext, request: Any) -> CallRecord:
        records = []
        active = []
        for observer in self._observers:
            record = observer.begin(cord, ctx, request)
            records.append(record)
            if not isinstance(record, PassiveRecord):
                active.append(record)
        return _FanOutRecord(records, active)


class PassiveRecord:
    """Base for records with no trace context to make current: a fan-out skips their
    ``activate``/``deactivate``, which run for every step of a stream."""

    __slots__ = ()

    def activate(self) -> object:
        return None

    def deactivate(self, token: object) -> None:
        return None


class _FanOutRecord:
    # Plain loops, no generator expressions: these run per call and, for streams, per message.
    __slots__ = ("_active", "_records")

    def __init__(self, records: list[CallRecord], active: list[CallRecord]) -> None:
        self._records = records
        self._active = active
        """The records that make a trace context current (not a :class:`PassiveRecord`)."""

    def activate(self) -> object:
        active = self._active
        if len(active) == 1:
            return active[0].activate()
        tokens = []
        for record in active:
            tokens.append(record.activate())
        return tokens

    def deactivate(self, token: object) -> None:
        active = self._active
        if len(active) == 1:
            active[0].deactivate(token)
            return
        tokens = cast(list[object], token)  # what activate returned
        for i in range(len(active) - 1, -1, -1):
            active[i].deactivate(tokens[i])

    def message(self, message: Message) -> None:
        for record in self._records:
            record.message(message)

    def end(self, error: BaseException | None, response: Message | None = None) -> None:
        for record in self._records:
            record.end(error, response)


class Invoker:
    """Calls handlers with the chute as ``self``; turns results and failures into messages and CordErrors."""

    def __init__(
        self, owner: Any, guards: tuple[CallGuard, ...] = (), observer: CallObserver | None = None
    ) -> None:
        self._owner = owner
        self._guards = guards
        self.observer = observer
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def in_flight(self) -> int:
        """Calls between admission and their end, whatever their transport."""
        return self._in_flight

    async def drain(self, timeout: float) -> bool:
        """Wait until no call is in flight, at most ``timeout`` seconds; True if none is left."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        return self._in_flight == 0

    async def unary(self, cord: Cord, request: Any, ctx: CordContext) -> Message:
        """Unary and client-streaming calls (``request`` is then an async iterator)."""
        if self.observer is None:
            return await self._unary(cord, request, ctx)
        record = self.observer.begin(cord, ctx, request)
        # One task runs the whole unary call, so the trace context can stay current throughout.
        token = record.activate()
        try:
            response = await self._unary(cord, request, ctx)
        except BaseException as exc:
            record.end(exc)
            raise
        finally:
            record.deactivate(token)
        record.end(None, response)
        return response

    async def _unary(self, cord: Cord, request: Any, ctx: CordContext) -> Message:
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

    def stream(self, cord: Cord, request: Any, ctx: CordContext) -> AsyncIterator[Message]:
        """Server- and bidi-streaming calls: the handler's messages, converted as they come."""
        return self._stream(cord, request, ctx, self.observer)

    async def _stream(
        self, cord: Cord, request: Any, ctx: CordContext, observer: CallObserver | None
    ) -> AsyncGenerator[Message, None]:
        # One generator from the handler to the transport, observer calls inline: every layer of
        # async generator is another frame to resume per streamed message.
        record = None if observer is None else observer.begin(cord, ctx, request)
        error: BaseException | None = None
        try:
            async with self._guarded(cord, ctx):
                gen = cord.handler(self._owner, request, ctx)
                limit = _timeout(cord, ctx)
                deadline = None if limit is None else asyncio.get_running_loop().time() + limit
                try:
                    while True:
                        # The timeout wraps only the step into the handler, never our own `yield`:
                        # a cancel scope open across a yield would fire in the consumer's task.
                        # Each step runs in whichever task iterates us: the trace context is made
                        # current per step, never held across a yield.
                        token = None if record is None else record.activate()
                        try:
                            if deadline is None:  # no cancel scope to set up per message
                                item = await anext(gen)
                            else:
                                async with asyncio.timeout_at(deadline):
                                    item = await anext(gen)
                        except StopAsyncIteration:
                            break
                        except BaseException as exc:
                            raise _as_cord_error(cord, ctx, exc) from exc
                        finally:
                            if record is not None:
                                record.deactivate(token)
                        try:
                            message = _to_message(cord, item)
                        except _HandlerBug as exc:
                            raise _as_cord_error(cord, ctx, exc) from exc
                        if record is not None:
                            record.message(message)
                        yield message
                finally:
                    await gen.aclose()
        except BaseException as exc:
            error = exc
            raise
        finally:
            if record is not None:
                record.end(error)

    @contextlib.asynccontextmanager
    async def _guarded(self, cord: Cord, ctx: CordContext) -> AsyncIterator[None]:
        self._in_flight += 1
        self._idle.clear()
        try:
            async with contextlib.AsyncExitStack() as stack:
                for guard in self._guards:
                    await stack.enter_async_context(guard(cord, ctx))
                yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()


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
            # The constructor is ~20x cheaper than ParseDict and builds the same message from the
            # same dict (proto names, native values; it also takes datetimes and nested dicts for
            # well-known types). JSON-only forms (lowerCamel keys, int64 as strings, Timestamp
            # strings) make it raise, and json_format takes over.
            return cord.output_class(**result)
        except Exception:  # TypeError, ValueError, AttributeError…: the dict is for json_format
            pass
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
