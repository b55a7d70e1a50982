"""What an async iterator has ready now, encoded: the stream writer sends it in one write.

``ReadyChunks`` waits for one item as ``anext`` would, then steps ``anext`` by hand, without
letting the task suspend, for as long as the next item is already there. The first step that would
suspend is kept (with the future it waits on) and resumed by the next ``next()``, so nothing is
lost and nothing waits longer than it would have: a batch goes out exactly when the stream would
otherwise have waited, and one item that arrives alone is sent alone, at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import types
from collections.abc import AsyncIterator, Callable, Generator
from typing import Any, Generic, TypeVar

__all__ = ["ReadyChunks"]

T = TypeVar("T")
_Step = Generator[Any, None, Any]
"""A started ``__anext__()`` awaitable, driven with send/throw."""


class ReadyChunks(Generic[T]):
    """``source``'s items encoded and joined: at least one, then those ready without waiting,
    until ``limit`` items or ``max_bytes``."""

    __slots__ = ("_done", "_encode", "_error", "_limit", "_max_bytes", "_pending", "_source", "saturated")

    def __init__(
        self, source: AsyncIterator[T], encode: Callable[[T], bytes], *, limit: int, max_bytes: int
    ) -> None:
        self._source = source
        self._encode = encode
        self._limit = limit
        self._max_bytes = max_bytes
        self._pending: tuple[_Step, Any] | None = None
        """A step that would have suspended, and what it yielded to the task (a future, or None)."""
        self._error: Exception | None = None
        """The source's failure, raised after the batch gathered before it went out."""
        self._done = False
        self.saturated = False
        """The last batch stopped at a bound while more was ready: the source did not wait, so
        the event loop has not run since (a handler that never awaits)."""

    async def next(self) -> bytes | None:
        """The next chunk; None once the source is exhausted. Raises what the source raised."""
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self._done:
            return None
        pending, self._pending = self._pending, None
        try:
            if pending is None:
                first = await anext(self._source)
            else:
                first = await _resume(*pending)
        except StopAsyncIteration:
            self._done = True
            return None
        encode = self._encode
        chunk = encode(first)
        count = 1
        self.saturated = False
        while True:
            if count >= self._limit or len(chunk) >= self._max_bytes:
                self.saturated = True
                return chunk
            step: _Step = self._source.__anext__().__await__()
            try:
                yielded = step.send(None)
            except StopIteration as ready:
                chunk += encode(ready.value)
                count += 1
                continue
            except StopAsyncIteration:
                self._done = True
            except Exception as exc:  # the source's own failure (a CordError), raised next time
                self._error = exc
            else:
                self._pending = (step, yielded)
            return chunk

    async def interrupted(self, exc: BaseException) -> None:
        """The task was cancelled outside the waiting step (in the write that flushed the batch
        before it): the step sees ``exc`` where it waits, as it would have had the task been
        waiting on it, since a deadline's cancel scope open in the step is what cancels the task.
        Raises what the step turns it into (a CordError for a deadline), or ``exc``."""
        pending, self._pending = self._pending, None
        if pending is None:
            raise exc
        step, _ = pending
        with contextlib.suppress(StopAsyncIteration):
            await _resume(step, None, throw=exc)
        raise exc  # the step swallowed it and went on: the stream stops all the same

    async def aclose(self) -> None:
        """Abandon a step still waiting, as cancelling the task would have: it sees CancelledError
        where it waits, and its clean-up (a Triton request cancelled, a guard released) runs now."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        step, yielded = pending
        if isinstance(yielded, asyncio.Future):
            yielded.cancel()
        cancelled = asyncio.CancelledError()
        try:
            await _resume(step, None, throw=cancelled)
        except asyncio.CancelledError as exc:
            if exc is not cancelled:
                raise  # the task itself was cancelled meanwhile
        except Exception:
            pass  # it ended; whatever it ended with is moot now that the stream is gone


@types.coroutine
def _resume(step: _Step, yielded: Any, throw: BaseException | None = None) -> Generator[Any, Any, Any]:
    """Await the rest of ``step``, which stopped at ``yielded``: ``yield from`` for a generator
    already started by hand. Exceptions thrown into the task (cancellation) go on to ``step``."""
    while True:
        try:
            if throw is not None:
                exc, throw = throw, None
                yielded = step.throw(exc)
            else:
                # Hand the task what the step waits on; the task resumes us once it is done.
                try:
                    yield yielded
                except GeneratorExit:
                    step.close()
                    raise
                except BaseException as exc:  # cancellation: the step handles it where it waits
                    throw = exc
                    continue
                yielded = step.send(None)
        except StopIteration as stop:
            return stop.value
