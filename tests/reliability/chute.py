"""The reliability chute: Echo over ``identity``, Count over the decoupled ``counter``, Boom raises.

``cordwire serve tests/reliability/chute.py:chute`` serves it as a real process (signals, load,
soak); the tests also serve it in-process with ``serve_chute``.
"""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from cordwire import Chute, load_proto_files

HERE = pathlib.Path(__file__).resolve().parent
MODELS = HERE.parent / "triton_models"

load_proto_files([HERE / "relay.proto"])


class SecretLeak(RuntimeError):
    """The exception Boom raises; its text is what must not leak."""


def make_chute() -> Chute:
    chute = Chute(
        username="tests", name="relay", service="cordwire.tests.reliability.v1.Relay", model_repository=MODELS
    )

    @chute.cord("Echo")
    async def echo(self: Any, request: Any, context: Any) -> dict[str, Any]:
        inputs: dict[str, Any] = {"FLOATS": np.asarray(request.values, dtype=np.float32)}
        if request.text:
            inputs["TEXTS"] = np.array([request.text.encode()], dtype=np.object_)
        outputs = await self.triton.infer("identity", inputs)
        reply: dict[str, Any] = {"values": outputs["FLOATS_OUT"].tolist()}
        if "TEXTS_OUT" in outputs:
            reply["text"] = outputs["TEXTS_OUT"][0].decode()
        return reply

    @chute.cord("Count")
    async def count(self: Any, request: Any, context: Any) -> AsyncIterator[dict[str, Any]]:
        inputs = {
            "COUNT": np.array([request.count], dtype=np.int32),
            "DELAY_MS": np.array([request.delay_ms], dtype=np.int32),
        }
        parameters = {"marker": request.marker} if request.marker else None
        sent = 0
        async for outputs in self.triton.stream("counter", inputs, parameters=parameters):
            if request.boom_after and sent == request.boom_after:
                raise SecretLeak("stream broke: secret-stream-detail")
            yield {"value": int(outputs["VALUE"][0])}
            sent += 1

    @chute.cord("Boom")
    async def boom(self: Any, request: Any, context: Any) -> dict[str, Any]:
        raise SecretLeak(f"database password is {request.secret}")

    return chute


chute = make_chute()
