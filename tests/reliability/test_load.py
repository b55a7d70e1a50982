"""Load through a real `cordwire serve` process: many unary calls, many concurrent streams, no errors.

The client runs in this process and the server in its own, so each has a core as far as two shared
cores allow. The client is aiohttp, not httpx: measured here, httpx's pool spent ~7 ms of CPU per
request at 64 connections (10,000 calls took 82 s at 123 req/s, the client the bottleneck), aiohttp
~0.4 ms. Figures are printed (run with ``-s``); RELIABILITY.md quotes them.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Iterator

import aiohttp
import pytest

from .serving import ServeProcess, serve_process
from .test_faults import parse_sse

pytestmark = [pytest.mark.triton, pytest.mark.slow]

UNARY_CALLS = 10_000
UNARY_CONCURRENCY = 64
STREAMS = 200
STREAM_STEPS = {"count": 20, "delay_ms": 50}  # ~1 s per stream, so all 200 overlap


@pytest.fixture(scope="module")
def served() -> Iterator[ServeProcess]:
    with serve_process() as process:
        yield process


def session(connections: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections), timeout=aiohttp.ClientTimeout(total=60)
    )


async def test_unary_load_has_no_errors(served: ServeProcess) -> None:
    url = f"{served.http_url}/v1/echo"
    outcomes: collections.Counter[str] = collections.Counter()
    latencies: list[float] = []
    remaining = iter(range(UNARY_CALLS))

    async def worker(client: aiohttp.ClientSession) -> None:
        for i in remaining:  # shared iterator: the workers split the calls between them
            started = time.perf_counter()
            try:
                async with client.post(url, json={"values": [i], "text": "x"}) as response:
                    body = await response.json(content_type=None)
                ok = response.status == 200 and body["values"] == [float(i)]
                outcomes["ok" if ok else f"HTTP {response.status}: {str(body)[:200]}"] += 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                outcomes[f"{type(exc).__name__}: {exc}"] += 1
            latencies.append(time.perf_counter() - started)

    async with session(UNARY_CONCURRENCY) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(UNARY_CONCURRENCY)))
        took = time.perf_counter() - started
    latencies.sort()
    p50, p99 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]
    print(
        f"\nunary: {UNARY_CALLS} calls, concurrency {UNARY_CONCURRENCY}: {took:.1f}s, "
        f"{UNARY_CALLS / took:.0f} req/s, p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"outcomes {dict(outcomes)}"
    )
    assert outcomes == {"ok": UNARY_CALLS}


async def test_concurrent_streams_have_no_errors(served: ServeProcess) -> None:
    url = f"{served.http_url}/v1/count"
    expected = [{"value": i} for i in range(STREAM_STEPS["count"])] + ["[DONE]"]

    async def one(client: aiohttp.ClientSession) -> str:
        try:
            async with client.post(url, json=STREAM_STEPS) as response:
                text = await response.text()
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"{type(exc).__name__}: {exc}"
        if response.status != 200:
            return f"HTTP {response.status}: {text[:200]}"
        return "ok" if parse_sse(text) == expected else f"events: {text[:200]}"

    async with session(STREAMS) as client:
        started = time.perf_counter()
        results = await asyncio.gather(*(one(client) for _ in range(STREAMS)))
        took = time.perf_counter() - started
    outcomes = collections.Counter(results)
    messages = STREAMS * STREAM_STEPS["count"]
    print(
        f"\nstreams: {STREAMS} concurrent x {STREAM_STEPS['count']} events: {took:.1f}s "
        f"({messages / took:.0f} events/s), outcomes {dict(outcomes)}"
    )
    assert outcomes == {"ok": STREAMS}
    assert took < STREAM_STEPS["count"] * STREAM_STEPS["delay_ms"] / 1000 * 10, "streams did not overlap"
