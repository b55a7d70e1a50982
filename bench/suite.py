"""What one bench run measures: the unary matrix (six peers by concurrency) and the streaming cases."""

from __future__ import annotations

import dataclasses
import json
import statistics
from collections.abc import Callable
from typing import Any

from .gobuild import Tools
from .load import Cell, pygrpc, sse
from .load.ghz import run_ghz
from .load.wrk import run_wrk
from .peers import Peers, payloads
from .procs import peak_rss_mb, rss_mb

__all__ = ["PEERS", "Settings", "streaming", "unary_matrix"]

PEERS = {
    "triton-http": "Triton native HTTP (KServe v2 JSON), wrk",
    "triton-grpc-py": "Triton gRPC direct, Python grpc.aio client (Python-bound)",
    "fastapi-proxy": "FastAPI + tritonclient.grpc.aio proxy, wrk",
    "grpc-gateway": "grpc-gateway v2 (Go) -> cordwire gRPC, wrk",
    "cordwire-http": "cordwire HTTP/JSON, in-process dispatch, wrk",
    "cordwire-grpc": "cordwire gRPC, ghz",
}
"""Peer name -> what it is and what loads it."""


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    seconds: float = 4.0
    """Measured window of each unary cell."""
    warmup: float = 1.0
    """Discarded run before each cell (connections open, caches warm)."""
    concurrencies: tuple[int, ...] = (1, 8, 64)
    peers: tuple[str, ...] = tuple(PEERS)
    """The peers measured (all by default)."""
    rounds: int = 3
    """Passes over the whole matrix; the best pass per cell is kept (noise only ever slows a cell)."""
    stream_tokens: int = 10_000
    """Responses in the single-stream tokens/s case."""
    stream_repeats: int = 3
    many_streams: int = 1_000
    many_tokens: int = 20
    many_delay_ms: int = 50
    """Each of the many streams lasts about many_tokens * many_delay_ms (1 s): all are open at once."""


Driver = Callable[[int, float], Cell]


def _drivers(peers: Peers, tools: Tools) -> dict[str, Driver]:
    a = peers.addresses
    echo = json.dumps(payloads.ECHO)
    triton_body = json.dumps(payloads.TRITON_HTTP)

    def wrk(name: str, url: str, body: str) -> Driver:
        return lambda c, s: run_wrk(name, url, body, c, s)

    return {
        "triton-http": wrk("triton-http", f"http://{a.triton_http}/v2/models/identity/infer", triton_body),
        "triton-grpc-py": lambda c, s: pygrpc.run_unary("triton-grpc-py", a.triton_grpc, c, s),
        "fastapi-proxy": wrk("fastapi-proxy", f"http://{a.fastapi_http}/v1/echo", echo),
        "grpc-gateway": wrk("grpc-gateway", f"http://{a.grpcgw_http}/v1/echo", echo),
        "cordwire-http": wrk("cordwire-http", f"http://{a.cordwire_http}/v1/echo", echo),
        # As many connections as wrk opens for the HTTP peers (issue #16: one connection made the
        # gRPC column a single-connection measurement against eight for HTTP).
        "cordwire-grpc": lambda c, s: run_ghz(
            tools.ghz, "cordwire-grpc", a.cordwire_grpc, "cordbench.v1.Bench.Echo", echo, c, s, connections=c
        ),
    }


def unary_matrix(peers: Peers, tools: Tools, settings: Settings) -> tuple[list[Cell], dict[str, Any]]:
    """Every peer at every concurrency, peers interleaved within a concurrency so that a burst of
    outside load hits all of them rather than one. Returns the best pass per cell, and every pass's
    req/s (``{peer: {concurrency: [rps, …]}}``) so the record shows how noisy the machine was."""
    drivers = {name: drive for name, drive in _drivers(peers, tools).items() if name in settings.peers}
    best: dict[tuple[str, int], Cell] = {}
    passes: dict[str, dict[int, list[float]]] = {
        name: {c: [] for c in settings.concurrencies} for name in drivers
    }
    for round_ in range(settings.rounds):
        for concurrency in settings.concurrencies:
            for name, drive in drivers.items():
                peers.check_alive()
                if name != "triton-grpc-py":  # that loop warms up inside its own process
                    drive(concurrency, settings.warmup)
                cell = drive(concurrency, settings.seconds)
                print(
                    f"  round {round_ + 1} c={concurrency:<3} {name:15} {cell.rps:8.0f} req/s  "
                    f"p50 {cell.p50_ms:7.2f} ms  p99 {cell.p99_ms:7.2f} ms  errors {cell.errors}",
                    flush=True,
                )
                passes[name][concurrency].append(round(cell.rps, 1))
                key = (name, concurrency)
                if key not in best or cell.rps > best[key].rps:
                    best[key] = cell
    return [best[(name, c)] for c in settings.concurrencies for name in drivers], passes


def streaming(peers: Peers, tools: Tools, settings: Settings) -> dict[str, Any]:
    """Tokens/s of one stream (direct Triton vs cordwire SSE), then many concurrent SSE streams."""
    a = peers.addresses
    assert peers.cordwire is not None
    pid = peers.cordwire.pid
    url = f"http://{a.cordwire_http}/v1/count"
    direct = [
        pygrpc.run_stream(a.triton_grpc, settings.stream_tokens) for _ in range(settings.stream_repeats)
    ]
    sse_one = [
        sse.run_sseload(tools.sseload, url, {"count": settings.stream_tokens}, 1, 60)
        for _ in range(settings.stream_repeats)
    ]
    direct_rate = statistics.median(r["events_per_s"] for r in direct)
    sse_rate = statistics.median(r["events_per_s"] for r in sse_one)
    print(
        f"  one stream: Triton direct {direct_rate:.0f} tok/s, cordwire SSE {sse_rate:.0f} tok/s", flush=True
    )

    before = rss_mb(pid)
    body = {"count": settings.many_tokens, "delay_ms": settings.many_delay_ms}
    with sse.RssSampler(pid) as sampler:
        many = sse.run_sseload(tools.sseload, url, body, settings.many_streams, 120)
    print(
        f"  {many['streams']} streams: {many['completed']} completed, {many['errors']} errors, "
        f"{many['wall_s']:.1f} s, peak RSS {sampler.peak_mb:.0f} MB",
        flush=True,
    )
    # The same streams straight from Triton: how much of the wall time is the model's, not cordwire's.
    direct_many = pygrpc.run_streams(
        a.triton_grpc, settings.many_streams, settings.many_tokens, settings.many_delay_ms
    )
    print(
        f"  {settings.many_streams} streams direct from Triton (Python client):"
        f" {direct_many['completed']} completed, {direct_many['wall_s']:.1f} s",
        flush=True,
    )
    return {
        "single": {
            "tokens": settings.stream_tokens,
            "direct_triton_tokens_per_s": direct_rate,
            "direct_triton_client": "python grpc.aio ModelStreamInfer",
            "cordwire_sse_tokens_per_s": sse_rate,
            "cordwire_sse_client": "sseload (Go)",
            "cordwire_sse_runs": sse_one,
            "direct_triton_runs": direct,
        },
        "concurrent": {
            **many,
            "tokens_per_stream": settings.many_tokens,
            "delay_ms": settings.many_delay_ms,
            "cordwire_rss_before_mb": before,
            "cordwire_rss_peak_sampled_mb": sampler.peak_mb,
            "cordwire_rss_hwm_mb": peak_rss_mb(pid),
        },
        "concurrent_direct_triton": {**direct_many, "client": "python grpc.aio, one channel"},
    }
