"""Admission as a call guard: run around every call, whichever transport brought it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from ..._cords import Cord
from .._context import CordContext
from .._invoke import CallGuard
from ._admission import Admission

__all__ = ["admission_guard"]


def admission_guard(admission: Admission, chute_id: str) -> CallGuard:
    """A guard that admits each call to ``chute_id`` and holds a concurrency slot while it runs."""

    @contextlib.asynccontextmanager
    async def guard(cord: Cord, ctx: CordContext) -> AsyncIterator[None]:
        await admission.admit(ctx.metadata, chute_id)
        async with admission.slot(chute_id):
            yield

    return guard
