"""A chute with jobs for the tests: one of each behaviour they need."""

from __future__ import annotations

import asyncio
import pathlib
import time
from typing import Any

from cordwire import Chute

chute = Chute(username="test", name="jobs")
gates: dict[str, asyncio.Event] = {}


@chute.on_startup()
async def setup(self: Any) -> None:
    self.started = "yes"


@chute.job(timeout=60, upload=True)
async def render(self: Any, frames: int = 2, text: str = "frame", output_dir: str = "") -> dict[str, Any]:
    """Writes ``frames`` files (one in a subfolder) and answers what it made."""
    out = pathlib.Path(output_dir)
    (out / "sub").mkdir()
    for i in range(frames):
        (out / f"frame-{i}.txt").write_text(f"{text} {i}")
    (out / "sub" / "last.txt").write_text("last")
    return {"frames": frames, "startup": self.started}


@chute.job(timeout=None)
async def wait(self: Any, seconds: float = 3600.0, output_dir: str = "") -> str:
    """Runs until cancelled (or ``seconds``); marks its folder so the test sees it started."""
    await asyncio.to_thread(pathlib.Path(output_dir, "started").write_text, "1")
    await asyncio.sleep(seconds)
    return "done"


@chute.job(timeout=0.5)
async def slow(self: Any) -> None:
    await asyncio.sleep(30)


@chute.job()
def fail(self: Any, message: str) -> None:
    """A sync job (run in a thread) that raises."""
    time.sleep(0.01)
    raise ValueError(message)


@chute.job(upload=False)
def add(self: Any, a: int, b: int = 1, output_dir: str = "") -> int:
    pathlib.Path(output_dir, "scratch.txt").write_text("not kept")
    return a + b


@chute.cord(public_api_path="/ping", method="GET")
async def ping(self: Any) -> dict[str, str]:
    return {"pong": "yes"}


@chute.job(timeout=60)
async def own_timeout(self: Any) -> None:
    """Its own TimeoutError (a call of its that timed out) is an error, not the job's timeout."""
    raise TimeoutError("the upstream took too long")
