"""A chute over tests/triton_models, served by `cordwire serve` in tests/triton/test_lifecycle.py."""

from __future__ import annotations

import pathlib
from typing import Any

import numpy as np

from cordwire import Chute

chute = Chute(
    username="tests",
    name="lifecycle",
    model_repository=pathlib.Path(__file__).resolve().parent.parent / "triton_models",
)


@chute.cord(public_api_path="/echo", method="POST")
async def echo(self: Any) -> dict[str, Any]:
    out = await self.triton.infer("identity", {"FLOATS": np.arange(3, dtype=np.float32)})
    return {"values": out["FLOATS_OUT"].tolist()}
