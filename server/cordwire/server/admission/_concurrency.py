"""Concurrency admission: a bound on calls in flight, rejecting at once rather than queueing."""

from __future__ import annotations

import math
import threading
from types import TracebackType

from cordwire import Code, CordError
from cordwire._errors import DefinitionError

__all__ = ["ConcurrencyLimiter"]


class ConcurrencyLimiter:
    """At most ``max_in_flight`` calls inside :meth:`slot` at a time, for one chute.

    Beyond the bound the call fails fast with RESOURCE_EXHAUSTED (429) and ``Retry-After``: a
    queue would only hold clients past their deadlines while the backlog grows, and a 429 lets
    the SDKs back off and retry (possibly against another replica).
    """

    def __init__(self, max_in_flight: int, *, chute_id: str = "", retry_after: float = 1.0) -> None:
        if max_in_flight < 1:
            raise DefinitionError("max_in_flight must be at least 1")
        self.max_in_flight = max_in_flight
        self.chute_id = chute_id
        self.retry_after = retry_after
        self._in_flight = 0
        self._lock = threading.Lock()  # transports may run their event loops on different threads

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def slot(self) -> _Slot:
        """``async with limiter.slot(): ...`` around the whole call, streaming included."""
        return _Slot(self)

    def _acquire(self) -> None:
        with self._lock:
            if self._in_flight >= self.max_in_flight:
                raise CordError(
                    Code.RESOURCE_EXHAUSTED,
                    f"Chute {self.chute_id or '(this chute)'} is at capacity "
                    f"({self.max_in_flight} calls in flight); retry shortly.",
                    error_type="rate_limit_error",
                    reason="capacity",
                    headers={
                        "Retry-After": str(max(1, math.ceil(self.retry_after))),
                        "retry-after-ms": str(math.ceil(self.retry_after * 1000)),
                    },
                )
            self._in_flight += 1

    def _release(self) -> None:
        with self._lock:
            self._in_flight -= 1


class _Slot:
    """One admission; a class rather than ``@asynccontextmanager`` to keep the hot path small."""

    __slots__ = ("_limiter",)

    def __init__(self, limiter: ConcurrencyLimiter) -> None:
        self._limiter = limiter

    async def __aenter__(self) -> None:
        self._limiter._acquire()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._limiter._release()
