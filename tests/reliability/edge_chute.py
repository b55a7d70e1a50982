"""A model-free chute for the edge tests: no Triton, so ``cordwire serve`` starts in a second and
``--workers`` is allowed. ``/whoami`` names the serving process; ``/hold`` stays in flight."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os

from cordwire import Chute

chute = Chute(username="tests", name="edge")


@dataclasses.dataclass(slots=True)
class Holding:
    """Events for ``/hold`` (made per test: an asyncio event belongs to one loop)."""

    entered: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    release: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)


holding = Holding()


@chute.cord(public_api_path="/whoami")
async def whoami(self: object, text: str = "") -> dict[str, object]:
    return {"pid": os.getpid(), "text": text}


@chute.cord(public_api_path="/hold")
async def hold(self: object, seconds: float = 5.0) -> dict[str, object]:
    """In flight until ``holding.release`` is set, or for ``seconds`` at most."""
    state = holding
    state.entered.set()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(state.release.wait(), seconds)
    return {"held": True}
