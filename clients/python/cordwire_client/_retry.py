"""When to retry a call, and how long to wait first: exponential backoff with full jitter, unless
the server said how long (``retry-after-ms``, then ``Retry-After`` in seconds or as an HTTP date)."""

from __future__ import annotations

import dataclasses
import email.utils
import random
from collections.abc import Callable, Mapping

import httpx

__all__ = ["RetryPolicy", "is_retryable_error", "server_delay"]

# Errors raised before any response arrived, where the server has not run the call (or the
# connection died under it): safe to send again.
_RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.RemoteProtocolError,
    httpx.PoolTimeout,
)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class RetryPolicy:
    """How a client retries 429, 503 and connection failures."""

    max_retries: int = 2
    """Retries after the first attempt; 0 disables retrying."""
    initial_delay: float = 0.5
    """The backoff cap of the first retry, in seconds; it doubles for each retry after."""
    max_delay: float = 8.0
    """The backoff cap never grows past this."""
    max_retry_after: float = 60.0
    """A server-given delay longer than this is not honoured: the call fails instead."""
    statuses: frozenset[int] = frozenset({429, 503})
    """HTTP statuses worth retrying."""
    jitter: Callable[[float], float] = dataclasses.field(default=lambda cap: random.uniform(0.0, cap))
    """Draws the wait from [0, cap]: full jitter spreads clients that failed together."""

    def backoff(self, retry: int) -> float:
        """The wait before retry number ``retry`` (0 for the first) when the server named none."""
        return self.jitter(min(self.max_delay, self.initial_delay * 2**retry))

    def delay(self, retry: int, headers: Mapping[str, str] | None, now: float) -> float | None:
        """The wait before this retry, or None when the server asked for more than we wait."""
        asked = server_delay(headers, now) if headers is not None else None
        if asked is None:
            return self.backoff(retry)
        return asked if asked <= self.max_retry_after else None

    def next_delay(
        self,
        retry: int,
        *,
        now: float,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        error: Exception | None = None,
    ) -> float | None:
        """The wait before retrying a call that failed with ``status`` or ``error``; None: don't."""
        if retry >= self.max_retries:
            return None
        if error is not None:
            return self.backoff(retry) if is_retryable_error(error) else None
        if status not in self.statuses:
            return None
        return self.delay(retry, headers, now)


def server_delay(headers: Mapping[str, str], now: float) -> float | None:
    """The delay a response asks for, in seconds; ``now`` (Unix time) reads HTTP-date values.

    ``headers`` must look names up case-insensitively (httpx.Headers does)."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(0.0, float(value) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def is_retryable_error(exc: Exception) -> bool:
    return isinstance(exc, _RETRYABLE_ERRORS)
