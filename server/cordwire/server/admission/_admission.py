"""The one call both transports make: authenticate, spend rate budget, take a concurrency slot."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager, nullcontext

from ._auth import Authenticator, Metadata, Principal
from ._concurrency import ConcurrencyLimiter
from ._ratelimit import RateLimiter

__all__ = ["Admission"]


class Admission:
    """Admission policy for one server, shared by the HTTP gateway and the gRPC server.

    Per call::

        principal = await admission.admit(headers_or_metadata, chute_id)   # 401 / 403 / 429
        async with admission.slot(chute_id):                               # 429 at capacity
            ...

    Order matters: authentication comes first so that anonymous traffic never spends anyone's rate
    budget, and the slot is taken last so that a rejected call never holds one.
    """

    def __init__(
        self,
        authenticator: Authenticator,
        *,
        rate_limiter: RateLimiter | None = None,
        max_in_flight: Mapping[str, int] | int | None = None,
    ) -> None:
        """``max_in_flight``: one bound for every chute, or per chute id (absent ones unbounded)."""
        self.authenticator = authenticator
        self.rate_limiter = rate_limiter
        self._default_bound = max_in_flight if isinstance(max_in_flight, int) else None
        self._bounds = dict(max_in_flight) if isinstance(max_in_flight, Mapping) else {}
        self._limiters: dict[str, ConcurrencyLimiter] = {}

    async def admit(self, metadata: Metadata, chute_id: str) -> Principal:
        """The caller, once authenticated, authorized for ``chute_id`` and within its rate limit."""
        principal = self.authenticator.authenticate(metadata, chute_id)
        if self.rate_limiter is not None:
            await self.rate_limiter.check(principal)
        return principal

    def slot(self, chute_id: str) -> AbstractAsyncContextManager[None]:
        """A concurrency slot on ``chute_id``, held for the whole call (streams included).

        Pass only ids of chutes this server serves (resolve the chute first): each id seen gets a
        limiter, so ids taken unchecked from requests would grow this map without bound.
        """
        limiter = self._limiters.get(chute_id)
        if limiter is None:
            bound = self._bounds.get(chute_id, self._default_bound)
            if bound is None:
                return nullcontext()
            limiter = self._limiters.setdefault(chute_id, ConcurrencyLimiter(bound, chute_id=chute_id))
        return limiter.slot()
