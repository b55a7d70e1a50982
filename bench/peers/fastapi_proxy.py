"""What a user would write instead of cordwire: FastAPI + pydantic in front of tritonclient's gRPC aio
client, doing the same ``POST /v1/echo`` → ``identity`` round trip as the bench chute.

Run: ``BENCH_TRITON_GRPC=127.0.0.1:8001 python -m uvicorn bench.peers.fastapi_proxy:app`` with
uvicorn's defaults (uvloop, access log), as a user would; ``cordwire serve`` runs on uvloop and
logs every request too, so neither the event loop nor logging is what differs.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import tritonclient.grpc.aio as triton_aio
from fastapi import FastAPI
from pydantic import BaseModel
from tritonclient.grpc import InferInput

__all__ = ["app"]


class Echo(BaseModel):
    floats: list[float] = []
    texts: list[str] = []


_client: dict[str, triton_aio.InferenceServerClient] = {}


@contextlib.asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    _client["triton"] = triton_aio.InferenceServerClient(os.environ["BENCH_TRITON_GRPC"])
    try:
        yield
    finally:
        await _client.pop("triton").close()


app = FastAPI(lifespan=lifespan)


@app.post("/v1/echo")
async def echo(body: Echo) -> Echo:
    floats = np.asarray(body.floats, dtype=np.float32)
    inputs = [InferInput("FLOATS", list(floats.shape), "FP32")]
    inputs[0].set_data_from_numpy(floats)
    if body.texts:
        texts = np.array([t.encode() for t in body.texts], dtype=np.object_)
        inputs.append(InferInput("TEXTS", list(texts.shape), "BYTES"))
        inputs[1].set_data_from_numpy(texts)
    result: Any = await _client["triton"].infer("identity", inputs)
    out_texts = result.as_numpy("TEXTS_OUT")
    return Echo(
        floats=result.as_numpy("FLOATS_OUT").tolist(),
        texts=[] if out_texts is None else [t.decode() for t in out_texts],
    )
