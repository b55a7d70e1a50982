"""The usage meter: a call observer that counts, a guard that enforces quotas, a periodic flush.

Counting is a few dict operations at the end of each call, on the event loop; rows are summed
in memory by (key, hour, chute, cord, model) and written to the store every ``flush_interval``
seconds from a background task, so no call ever waits on storage. Stop the meter (``aclose``) to
flush what is left: `cordwire serve` does on SIGTERM/SIGINT; a SIGKILL loses at most the last
``flush_interval`` seconds (1 s by default) of counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from google.protobuf.message import Message

from cordwire._context import CordContext
from cordwire._cords import Cord
from cordwire._errors import CordError
from cordwire.server._invoke import PassiveRecord

from ._quotas import QuotaBook, quota_exceeded
from ._records import Counts, Row, Slot, add_into, hour_of

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

__all__ = ["UsageMeter", "UsageStore"]

_log = logging.getLogger("cordwire.usage")
_CLIENT_CLOSED = 499


class UsageStore(Protocol):
    async def add(self, rows: list[Row]) -> None: ...

    async def query(self, key_id: str, start: int, end: int) -> list[Row]: ...

    async def totals(self, key_id: str, start: int, end: int) -> Counts: ...

    async def delete(self, key_id: str) -> int: ...

    async def aclose(self) -> None: ...


class UsageMeter:
    """Usage accounting and quotas for one server (every chute it serves)."""

    def __init__(
        self,
        store: UsageStore,
        quotas: QuotaBook,
        *,
        flush_interval: float = 1.0,
        clock: Callable[[], float] = time.time,
        registry: CollectorRegistry | None = None,
    ) -> None:
        """``registry``: also export per-key Prometheus counters there (off by default: one series
        per key, chute and status class is a cardinality an operator must opt into)."""
        self.store = store
        self.quotas = quotas
        self.flush_interval = flush_interval
        self.clock = clock
        self._pending: dict[Slot, Counts] = {}
        self._flush_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._series = None if registry is None else _KeySeries(registry)

    # -- observing calls

    def observer(self, chute_id: str) -> _Observer:
        """The :class:`cordwire.server.CallObserver` counting one chute's calls."""
        return _Observer(self, chute_id)

    def _record(self, slot: Slot, counts: Counts) -> None:
        have = self._pending.get(slot)
        if have is None:
            self._pending[slot] = counts
        else:
            for i, value in enumerate(counts):
                have[i] += value

    # -- quotas

    def guard(self, cord: Cord, ctx: CordContext) -> _QuotaCheck:
        """A call guard (after admission's): 429 ``quota_exceeded`` for a key past its quota."""
        return _QuotaCheck(self, ctx)

    # -- storage

    async def start(self) -> None:
        """Flush every ``flush_interval`` seconds until :meth:`aclose`."""
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            try:
                await self.flush()
            except Exception:  # kept in memory, tried again next time
                _log.warning("could not write usage; retrying in %gs", self.flush_interval, exc_info=True)

    async def flush(self) -> None:
        """Write the counts gathered so far; on failure they stay pending for the next flush."""
        async with self._flush_lock:
            await self.quotas.flush()
            if not self._pending:
                return
            pending, self._pending = self._pending, {}
            try:
                await self.store.add(list(pending.items()))
            except BaseException:
                add_into(pending, self._pending.items())
                self._pending = pending
                raise

    async def aclose(self) -> None:
        """Stop the periodic flush, write what is left, close the store."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            await self.flush()
        finally:
            await self.store.aclose()

    async def totals(self, key_id: str, start: int, end: int) -> Counts:
        """``key_id``'s totals over the hours starting in [start, end), unflushed counts included."""
        await self.flush()
        return await self.store.totals(key_id, start, end)

    async def rows(self, key_id: str, start: int, end: int) -> list[Row]:
        """``key_id``'s rows whose hour starts in [start, end), what is not flushed yet included."""
        await self.flush()
        return await self.store.query(key_id, start, end)


class _QuotaCheck:
    """The guard of one call; a class rather than ``@asynccontextmanager``: it is on every call."""

    __slots__ = ("_ctx", "_meter")

    def __init__(self, meter: UsageMeter, ctx: CordContext) -> None:
        self._meter = meter
        self._ctx = ctx

    async def __aenter__(self) -> None:
        principal = self._ctx.principal
        quota = None if principal is None else principal.quota
        if principal is not None and quota is not None and quota.limited:
            meter = self._meter
            now = meter.clock()
            spent = await meter.quotas.admit(principal, quota, now, meter.totals)
            if spent is not None:
                raise quota_exceeded(principal, quota, spent, now)

    async def __aexit__(self, *exc_info: object) -> None:
        return None


class _Observer:
    __slots__ = ("_chute", "_meter")

    def __init__(self, meter: UsageMeter, chute_id: str) -> None:
        self._meter = meter
        self._chute = chute_id

    def begin(self, cord: Cord, ctx: CordContext, request: Any) -> _Record:
        return _Record(self._meter, self._chute, cord.name, ctx, request)


class _Record(PassiveRecord):
    __slots__ = ("_bytes_in", "_bytes_out", "_chute", "_cord", "_ctx", "_meter", "_started")

    def __init__(self, meter: UsageMeter, chute: str, cord: str, ctx: CordContext, request: Any) -> None:
        self._meter = meter
        self._chute = chute
        self._cord = cord
        self._ctx = ctx
        # Protobuf wire sizes, the same whichever transport carried the call. A client stream's
        # messages are not counted (the request is an iterator the handler consumes).
        self._bytes_in = request.ByteSize() if isinstance(request, Message) else 0
        self._bytes_out = 0
        self._started = time.perf_counter()

    def message(self, message: Message) -> None:
        self._bytes_out += message.ByteSize()

    def end(self, error: BaseException | None, response: Message | None = None) -> None:
        ctx = self._ctx
        principal = ctx.principal
        if principal is None or principal.key_id is None:
            return  # never admitted (or no auth): nobody to charge
        if isinstance(error, CordError) and error.reason == "quota_exceeded":
            return  # refused, not served
        if response is not None:
            self._bytes_out += response.ByteSize()
        status = _status(error)
        meter = self._meter
        now = meter.clock()
        counts = [  # in COUNTERS order
            1,
            1 if 400 <= status < 500 else 0,
            1 if status >= 500 else 0,
            ctx.tokens_in,
            ctx.tokens_out,
            self._bytes_in,
            self._bytes_out,
            round((time.perf_counter() - self._started) * 1000),
        ]
        meter._record((principal.key_id, hour_of(now), self._chute, self._cord, ctx.usage_model), counts)
        tokens = ctx.tokens_in + ctx.tokens_out
        quota = principal.quota
        if tokens and quota is not None and quota.tokens is not None:
            meter.quotas.spend_tokens(principal.key_id, quota, now, tokens)
        if meter._series is not None:
            meter._series.count(principal.key_id, self._chute, status, ctx.tokens_in, ctx.tokens_out)


def _status(error: BaseException | None) -> int:
    if error is None:
        return 200
    if isinstance(error, CordError):
        return error.http_status
    if isinstance(error, asyncio.CancelledError | GeneratorExit):
        return _CLIENT_CLOSED
    return 500


class _KeySeries:
    """``cordwire_key_requests_total`` and ``cordwire_key_tokens_total`` by key id (opt-in)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        from prometheus_client import Counter

        self.requests = Counter(
            "cordwire_key_requests",
            "Calls admitted, by API key id, chute and status class (2xx, 4xx, 5xx).",
            ["key_id", "chute", "status_class"],
            registry=registry,
        )
        self.tokens = Counter(
            "cordwire_key_tokens",
            "Tokens reported by cords, by API key id, chute and kind (prompt, completion).",
            ["key_id", "chute", "kind"],
            registry=registry,
        )

    def count(self, key_id: str, chute: str, status: int, prompt: int, completion: int) -> None:
        self.requests.labels(key_id, chute, f"{status // 100}xx").inc()
        if prompt:
            self.tokens.labels(key_id, chute, "prompt").inc(prompt)
        if completion:
            self.tokens.labels(key_id, chute, "completion").inc(completion)
