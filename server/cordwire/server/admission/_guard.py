"""Admission as a call guard: run around every call, whichever transport brought it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from cordwire._context import CordContext
from cordwire._cords import Cord
from cordwire.server._invoke import CallGuard

from ._admission import Admission
from ._auth import Metadata
from ._concurrency import ConcurrencyLimiter

__all__ = ["admission_guard", "concurrency_guard", "key_check"]


def concurrency_guard(limiter: ConcurrencyLimiter) -> CallGuard:
    """A guard that holds one of ``limiter``'s slots for the whole call (a chute's ``concurrency``)."""

    @contextlib.asynccontextmanager
    async def guard(cord: Cord, ctx: CordContext) -> AsyncIterator[None]:
        async with limiter.slot():
            yield

    return guard


def admission_guard(admission: Admission, chute_id: str) -> CallGuard:
    """A guard that admits each call to ``chute_id`` and holds a concurrency slot while it runs.

    The admitted caller goes on ``ctx.principal`` (for later guards, usage accounting and handlers).
    """

    @contextlib.asynccontextmanager
    async def guard(cord: Cord, ctx: CordContext) -> AsyncIterator[None]:
        principal = await admission.admit(ctx.metadata, chute_id)
        async with admission.slot(chute_id):
            ctx.principal = principal
            yield

    return guard


def key_check(admission: Admission, chute_id: str) -> Callable[[Metadata], None]:
    """A check of a request's metadata: a key allowed on ``chute_id``, or CordError 401/403.

    For pages that are not cords (``/metrics`` when it is protected): no rate limit, no slot.
    """

    def check(metadata: Metadata) -> None:
        admission.authenticator.authenticate(metadata, chute_id)

    return check
