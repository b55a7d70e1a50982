"""The operability tests' chute: ``Infer`` calls Triton (a fake one), ``Count`` streams."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from cordwire import Chute, load_proto_files

load_proto_files([pathlib.Path(__file__).with_name("ops.proto")])


def make_chute() -> Chute:
    chute = Chute(username="ops", name="probe", service="opstest.v1.Ops")

    @chute.cord("Infer")
    async def infer(self: Any, request: Any, context: Any) -> dict[str, Any]:
        outputs = await self.triton.infer("double", {"x": np.array([request.x], dtype=np.float32)})
        return {"y": float(outputs["y"][0])}

    @chute.cord("Count")
    async def count(self: Any, request: Any, context: Any) -> AsyncIterator[dict[str, Any]]:
        for i in range(request.n):
            yield {"i": i}

    return chute
