"""Unary latency and CPU per call: the in-process Triton vs an external one over gRPC.

Both through cordwire's own client (``self.triton``): ``--triton embedded`` (C API, in this
process) and ``--triton HOST:PORT`` against a ``tritonserver`` of its own on loopback, same models.
Run: .venv/bin/python tests/triton/bench_client.py
"""

from __future__ import annotations

import asyncio
import pathlib
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np

from cordwire.server.triton import TritonProcess, TritonService

MODELS = pathlib.Path(__file__).resolve().parent.parent / "triton_models"


async def _time(call: Callable[[], Awaitable[Any]], n: int) -> tuple[float, float]:
    """Wall and CPU (this process) microseconds per call."""
    for _ in range(max(n // 10, 5)):  # warm up
        await call()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        await call()
    return (time.perf_counter() - wall) / n * 1e6, (time.process_time() - cpu) / n * 1e6


async def main() -> None:
    embedded = TritonService.from_spec("embedded", MODELS)
    process = TritonProcess(MODELS, ("identity", "counter"))
    process.launch()
    external = TritonService.from_spec(process.grpc_address, MODELS)
    services = {"in-process (C API)": embedded, "external (gRPC)": external}
    for service in services.values():
        await service.start()
        await service.wait_ready(120)
    cases = {
        "FP32[16]+BYTES[2]": (
            {
                "FLOATS": np.arange(16, dtype=np.float32),
                "TEXTS": np.array([b"hello", b"world"], dtype=np.object_),
            },
            2000,
        ),
        "FP32[1M] (4 MB)": ({"FLOATS": np.random.rand(1 << 20).astype(np.float32)}, 100),
    }
    try:
        for label, (inputs, n) in cases.items():
            rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in services}
            for _ in range(3):  # interleaved, so drift on a shared machine hits both
                for name, service in services.items():
                    call = service.client.infer
                    rounds[name].append(await _time(lambda c=call, i=inputs: c("identity", i), n))  # type: ignore[misc]
            for name, values in rounds.items():
                wall = statistics.median(v[0] for v in values)
                cpu = statistics.median(v[1] for v in values)
                print(f"{label:20s} {name:20s} median {wall:8.0f} us/call wall, {cpu:8.0f} us CPU here")
    finally:
        for service in services.values():
            await service.stop()
        await asyncio.to_thread(process.close)


if __name__ == "__main__":
    asyncio.run(main())
