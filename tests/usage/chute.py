"""The usage tests' chute: ``Echo`` reports one prompt token per word and 3 completion tokens,
``Stream`` one completion token per tick (as it goes, so a cancelled stream has counted its ticks)."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator
from typing import Any

from cordwire import Chute, Code, CordError, load_proto_files

load_proto_files([pathlib.Path(__file__).with_name("metered.proto")])

ECHO_MODEL = "echo-1"
STREAM_MODEL = "stream-1"


def make_chute() -> Chute:
    chute = Chute(username="usage", name="probe", service="usagetest.v1.Metered")

    @chute.cord("Echo")
    async def echo(self: Any, request: Any, context: Any) -> dict[str, Any]:
        if request.text == "fail":
            raise CordError(Code.INVALID_ARGUMENT, "asked to fail", param="text")
        if request.text == "boom":
            raise RuntimeError("asked to break")
        context.add_usage(tokens_in=len(request.text.split()), tokens_out=3, model=ECHO_MODEL)
        return {"text": request.text}

    @chute.cord("Stream")
    async def stream(self: Any, request: Any, context: Any) -> AsyncIterator[dict[str, Any]]:
        for i in range(request.n):
            context.add_usage(tokens_out=1, model=STREAM_MODEL)
            yield {"i": i}
        if request.hold:
            await asyncio.Event().wait()

    return chute
