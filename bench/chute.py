"""The bench chute: ``Echo`` through Triton's ``identity``, ``Count`` from Triton's decoupled ``counter``.

Written the way a user would write a chute (dicts out, ``self.triton``), so the numbers are what a
user gets. Served by ``cordwire serve bench/chute.py:chute`` with its Triton embedded (in-process).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from bench.paths import MODELS, PROTO, PROTO_ROOT
from cordwire import Chute, load_proto_files

load_proto_files([PROTO], include_dirs=[PROTO_ROOT])

chute = Chute(username="bench", name="echo", service="cordbench.v1.Bench", model_repository=MODELS)


@chute.cord("Echo")
async def echo(self: Any, request: Any, context: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {"FLOATS": np.asarray(request.floats, dtype=np.float32)}
    if request.texts:
        inputs["TEXTS"] = np.array([t.encode() for t in request.texts], dtype=np.object_)
    outputs = await self.triton.infer("identity", inputs)
    texts = outputs.get("TEXTS_OUT")
    return {
        "floats": outputs["FLOATS_OUT"].tolist(),
        "texts": [] if texts is None else [t.decode() for t in texts],
    }


@chute.cord("Count")
async def count(self: Any, request: Any, context: Any) -> AsyncIterator[dict[str, int]]:
    inputs = {
        "COUNT": np.array([request.count], dtype=np.int32),
        "DELAY_MS": np.array([request.delay_ms], dtype=np.int32),
    }
    async for response in self.triton.stream("counter", inputs):
        yield {"value": int(response["VALUE"][0])}
