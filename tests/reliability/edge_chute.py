"""A model-free chute for the edge tests: no Triton, so ``cordwire serve`` starts in a second and
``--workers`` is allowed. ``/whoami`` names the serving process; ``/hold`` waits until released."""

from __future__ import annotations

import asyncio
import os

from cordwire import Chute

chute = Chute(username="tests", name="edge")
_released = asyncio.Event()


@chute.cord(public_api_path="/whoami")
async def whoami(self: object, text: str = "") -> dict[str, object]:
    return {"pid": os.getpid(), "text": text}


@chute.cord(public_api_path="/hold")
async def hold(self: object, seconds: float = 5.0) -> dict[str, object]:
    """Keeps its call in flight (for --max-in-flight) for at most ``seconds``."""
    try:
        await asyncio.wait_for(_released.wait(), seconds)
    except TimeoutError:
        pass
    return {"held": True}
