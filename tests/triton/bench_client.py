"""Unary latency: tritonclient.grpc.aio vs cordwire's direct KServe v2 stubs over grpc.aio.

Run: .venv/bin/python tests/triton/bench_client.py   (starts its own embedded Triton)
"""

from __future__ import annotations

import asyncio
import pathlib
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
import tritonclient.grpc.aio as tc_aio
from tritonclient.grpc import InferInput

from cordwire.server.triton import TritonService

MODELS = pathlib.Path(__file__).resolve().parent.parent / "triton_models"


async def _time(call: Callable[[], Awaitable[Any]], n: int) -> float:
    for _ in range(max(n // 10, 5)):  # warm up
        await call()
    start = time.perf_counter()
    for _ in range(n):
        await call()
    return (time.perf_counter() - start) / n * 1e6


async def main() -> None:
    service = TritonService.from_spec("embedded", MODELS)
    await service.start()
    await service.wait_ready(120)
    assert service.embedded is not None
    tc = tc_aio.InferenceServerClient(service.embedded.grpc_address)
    cases = {
        "FP32[16]+BYTES[2]": (
            np.arange(16, dtype=np.float32),
            np.array([b"hello", b"world"], dtype=np.object_),
            2000,
        ),
        "FP32[1M] (4 MB)": (np.random.rand(1 << 20).astype(np.float32), None, 100),
    }
    try:
        for label, (floats, texts, n) in cases.items():

            async def ours(floats: Any = floats, texts: Any = texts) -> Any:
                inputs = {"FLOATS": floats} if texts is None else {"FLOATS": floats, "TEXTS": texts}
                return await service.client.infer("identity", inputs)

            async def theirs(floats: Any = floats, texts: Any = texts) -> Any:
                a = InferInput("FLOATS", list(floats.shape), "FP32")
                a.set_data_from_numpy(floats)
                inputs = [a]
                if texts is not None:
                    b = InferInput("TEXTS", list(texts.shape), "BYTES")
                    b.set_data_from_numpy(texts)
                    inputs.append(b)
                result = await tc.infer("identity", inputs)
                return {o.name: result.as_numpy(o.name) for o in result.get_response().outputs}

            rounds: dict[str, list[float]] = {"tritonclient.grpc.aio": [], "grpc.aio + KServe stubs": []}
            for _ in range(3):  # interleaved, so drift on a shared machine hits both
                rounds["tritonclient.grpc.aio"].append(await _time(theirs, n))
                rounds["grpc.aio + KServe stubs"].append(await _time(ours, n))
            for name, values in rounds.items():
                print(f"{label:20s} {name:26s} median {statistics.median(values):8.0f} us/call  {values}")
    finally:
        await tc.close()
        await service.stop()


if __name__ == "__main__":
    asyncio.run(main())
