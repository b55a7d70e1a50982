"""Direct Triton gRPC driven from Python (grpc.aio + the KServe v2 stubs): the floor for what a
Python caller of Triton gets. Python-bound by design, and labelled so in the results.

Run as its own process so it does not share a GIL with the orchestrator:
    python -m bench.load.pygrpc unary  --target 127.0.0.1:8001 --concurrency 8 --seconds 5
    python -m bench.load.pygrpc stream --target 127.0.0.1:8001 --count 20000
    python -m bench.load.pygrpc streams --target 127.0.0.1:8001 --streams 1000 --count 20 --delay-ms 50
Each prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import struct
import subprocess
import sys
import time
from typing import Any

import grpc
import numpy as np
from tritonclient.grpc import service_pb2, service_pb2_grpc

from ..paths import REPO
from ..peers.payloads import FLOATS, TEXTS
from . import Cell

__all__ = ["echo_request", "main", "run_stream", "run_unary"]


def _spawn(*args: str, timeout: float) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.load.pygrpc", *args]
    result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"bench.load.pygrpc {args[0]} failed: {result.stderr.strip()[-1000:]}")
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def run_unary(peer: str, target: str, concurrency: int, seconds: float) -> Cell:
    """Direct Triton gRPC ``identity`` calls from a Python process, ``concurrency`` tasks."""
    stats = _spawn(
        "unary",
        f"--target={target}",
        f"--concurrency={concurrency}",
        f"--seconds={seconds}",
        timeout=seconds + 60,
    )
    return Cell(
        peer=peer,
        concurrency=concurrency,
        rps=stats["rps"],
        p50_ms=stats["p50_ms"],
        p99_ms=stats["p99_ms"],
        requests=stats["requests"],
        errors=stats["errors"],
        driver="python",
    )


def run_stream(target: str, count: int) -> dict[str, Any]:
    """One ``counter`` stream of ``count`` responses straight from Triton: events, wall_s, events_per_s."""
    return _spawn("stream", f"--target={target}", f"--count={count}", timeout=120)


def run_streams(target: str, streams: int, count: int, delay_ms: int) -> dict[str, Any]:
    """``streams`` concurrent ``counter`` streams straight from Triton: completed, errors, wall_s."""
    argv = (f"--target={target}", f"--streams={streams}", f"--count={count}", f"--delay-ms={delay_ms}")
    return _spawn("streams", *argv, timeout=180)


def echo_request() -> Any:
    """The bench's FP32[16] + BYTES[2] as a ModelInferRequest, built once: the loop measures the
    transport, not request building."""
    request = service_pb2.ModelInferRequest(model_name="identity")
    floats = request.inputs.add(name="FLOATS", datatype="FP32")
    floats.shape.append(len(FLOATS))
    texts = request.inputs.add(name="TEXTS", datatype="BYTES")
    texts.shape.append(len(TEXTS))
    packed = b"".join(struct.pack("<I", len(t.encode())) + t.encode() for t in TEXTS)
    request.raw_input_contents.extend([np.asarray(FLOATS, dtype=np.float32).tobytes(), packed])
    return request


async def _unary(target: str, concurrency: int, seconds: float, warmup: float) -> dict[str, Any]:
    request = echo_request()
    async with grpc.aio.insecure_channel(target) as channel:
        stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
        loop = asyncio.get_running_loop()
        start = loop.time() + warmup
        stop = start + seconds
        latencies: list[float] = []
        errors = 0

        async def worker() -> None:
            nonlocal errors
            while (now := loop.time()) < stop:
                try:
                    await stub.ModelInfer(request, timeout=5)
                except grpc.aio.AioRpcError:
                    if now >= start:
                        errors += 1
                    continue
                if now >= start:  # calls begun in the warm-up window are not counted
                    latencies.append(loop.time() - now)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "rps": n / seconds,
        "p50_ms": statistics.median(latencies) * 1000 if n else 0.0,
        "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else 0.0,
        "errors": errors,
    }


def _counter_request(count: int, delay_ms: int) -> Any:
    request = service_pb2.ModelInferRequest(model_name="counter")
    request.parameters["enable_empty_final_response"].bool_param = True
    for name, value in (("COUNT", count), ("DELAY_MS", delay_ms)):
        tensor = request.inputs.add(name=name, datatype="INT32")
        tensor.shape.append(1)
        request.raw_input_contents.append(struct.pack("<i", value))
    return request


async def _read_stream(stub: Any, request: Any) -> int:
    """Responses with outputs until the stream ends (the final one is empty)."""
    received = 0
    call = stub.ModelStreamInfer()
    try:
        await call.write(request)
        await call.done_writing()
        async for message in call:
            if message.error_message:
                raise RuntimeError(message.error_message)
            response = message.infer_response
            received += bool(response.outputs)
            final = response.parameters.get("triton_final_response")
            if final is not None and final.bool_param:
                break
    finally:
        call.cancel()
    return received


async def _stream(target: str, count: int) -> dict[str, Any]:
    async with grpc.aio.insecure_channel(target) as channel:
        stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
        start = time.perf_counter()
        received = await _read_stream(stub, _counter_request(count, 0))
        wall = time.perf_counter() - start
    return {"events": received, "wall_s": wall, "events_per_s": received / wall}


async def _streams(target: str, streams: int, count: int, delay_ms: int) -> dict[str, Any]:
    request = _counter_request(count, delay_ms)
    async with grpc.aio.insecure_channel(target) as channel:
        stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
        start = time.perf_counter()
        got = await asyncio.gather(
            *(_read_stream(stub, request) for _ in range(streams)), return_exceptions=True
        )
        wall = time.perf_counter() - start
    completed = sum(1 for g in got if g == count)
    return {"streams": streams, "completed": completed, "errors": streams - completed, "wall_s": wall}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load.pygrpc")
    parser.add_argument("mode", choices=("unary", "stream", "streams"))
    parser.add_argument("--target", required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--delay-ms", type=int, default=0)
    args = parser.parse_args()
    if args.mode == "unary":
        result = asyncio.run(_unary(args.target, args.concurrency, args.seconds, args.warmup))
    elif args.mode == "stream":
        result = asyncio.run(_stream(args.target, args.count))
    else:
        result = asyncio.run(_streams(args.target, args.streams, args.count, args.delay_ms))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
