"""One inference request in flight: Triton's callbacks feed it, the event loop drains it.

Lifetime rule (``tritonserver.h``): Triton hands the request back through the release callback
(then it no longer reads the request or its input buffers) and ends the responses with
``RESPONSE_COMPLETE_FINAL``; the two come in either order, from Triton's threads. The request
object is deleted only once both happened, so ``InferenceRequestCancel`` always meets a live
object: a caller that goes away after the release but before the last response still stops the
model (the cancellation flag lives in the response factory that the model's sender holds).

Responses are queued under a lock; the loop is woken with ``call_soon_threadsafe`` only when it
waits, so a fast stream costs one wake-up per batch of responses, not per response.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import threading
from typing import Any

import numpy.typing as npt

from ._buffers import decode_response, pin_thread_state
from ._capi import RELEASE_FN, RESPONSE_FN, Code, Flag, Lib, TritonError, lib

__all__ = ["ON_RELEASE", "ON_RESPONSE", "Call", "cancel_all", "fail_all", "in_flight"]

Outputs = dict[str, npt.NDArray[Any]]
_CALLS: dict[int, Call] = {}
_IDS = itertools.count(1)


def in_flight() -> int:
    """Requests Triton has not finished with (tests: none once every call has ended)."""
    return len(_CALLS)


def cancel_all() -> None:
    """Cancel every request in flight (stopping: whatever outlived the drain ends now)."""
    for call in list(_CALLS.values()):
        call.cancel()


def fail_all(error: TritonError) -> None:
    """End every call in flight with ``error`` and cancel its request (Triton failed: a request in
    a dead stub may never be answered)."""
    for call in list(_CALLS.values()):
        call.cancel()
        call.abandon(error)


class Call:
    """A submitted request's responses, its cancellation, and its deletion."""

    __slots__ = (
        "_abandoned",
        "_deleted",
        "_final",
        "_lock",
        "_loop",
        "_released",
        "_waiter",
        "api",
        "id",
        "items",
        "keep",
        "request",
    )

    def __init__(self, api: Lib, loop: asyncio.AbstractEventLoop) -> None:
        self.api = api
        self.id = next(_IDS)
        """The ``userp`` Triton passes back to the callbacks."""
        self.request: int | None = None
        self.keep: list[Any] = []
        """Input buffers Triton reads until it releases the request."""
        self.items: collections.deque[Outputs | TritonError] = collections.deque()
        self._loop = loop
        self._lock = threading.Lock()
        self._waiter: asyncio.Future[None] | None = None
        self._released = self._final = self._deleted = self._abandoned = False

    def register(self) -> None:
        """Before ``ServerInferAsync``: from now on the callbacks find this call."""
        _CALLS[self.id] = self

    def forget(self) -> None:
        """``ServerInferAsync`` failed: no callback will come, the request is still ours."""
        _CALLS.pop(self.id, None)

    def push(self, item: Outputs | TritonError | None, final: bool) -> None:
        with self._lock:
            if item is not None and not self._abandoned:
                self.items.append(item)
            self._final = self._final or final
            waiter, self._waiter = self._waiter, None
            delete = self._claim_delete()
        if waiter is not None:
            _wake_soon(self._loop, waiter)
        if delete:
            self._delete()

    def abandon(self, error: TritonError) -> None:
        """End the caller's side with ``error`` now; Triton's own ending still deletes the request."""
        with self._lock:
            self._abandoned = True
            self.items.clear()
            self.items.append(error)
            waiter, self._waiter = self._waiter, None
        if waiter is not None:
            _wake_soon(self._loop, waiter)

    def released(self) -> None:
        with self._lock:
            self._released = True
            self.keep = []
            delete = self._claim_delete()
        if delete:
            self._delete()

    def _claim_delete(self) -> bool:
        if self._final and self._released and not self._deleted:
            self._deleted = True
            return True
        return False

    def _delete(self) -> None:
        _CALLS.pop(self.id, None)
        if self.request:
            self.api.error(self.api.InferenceRequestDelete(self.request))

    def cancel(self) -> None:
        """Ask Triton to stop (best effort; the model sees ``request.is_cancelled()``)."""
        with self._lock:
            if self.request and not self._final and not self._deleted:
                self.api.error(self.api.InferenceRequestCancel(self.request))

    async def next(self) -> Outputs | TritonError | None:
        """The next response's outputs (or its error); None once the final one was taken."""
        while True:
            with self._lock:
                if self.items:
                    return self.items.popleft()
                if self._final or self._abandoned:
                    return None
                waiter = self._waiter = self._loop.create_future()
            await waiter


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _wake_soon(loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[None]) -> None:
    with contextlib.suppress(RuntimeError):  # the loop closed (shutdown): nobody waits any more
        loop.call_soon_threadsafe(_wake, waiter)


def _on_response(response: int | None, flags: int, userp: int | None) -> None:
    pin_thread_state()
    api = lib()
    item: Outputs | TritonError | None = None
    if response:
        try:
            error = api.InferenceResponseError(response)
            item = api.peek(error) if error else decode_response(api, response)
        except BaseException as exc:  # nothing may unwind into Triton's C++
            item = TritonError(Code.INTERNAL, f"reading Triton's response failed: {exc}")
        api.error(api.InferenceResponseDelete(response))
    call = _CALLS.get(userp or 0)
    if call is not None:
        call.push(item, bool(flags & Flag.RESPONSE_COMPLETE_FINAL))


def _on_release(_request: int | None, flags: int, userp: int | None) -> None:
    pin_thread_state()
    call = _CALLS.get(userp or 0)
    if call is not None and flags & Flag.REQUEST_RELEASE_ALL:
        call.released()


ON_RESPONSE = RESPONSE_FN(_on_response)
ON_RELEASE = RELEASE_FN(_on_release)
