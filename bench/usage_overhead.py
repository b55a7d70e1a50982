"""Issue #20's check that usage accounting does not slow calls: the same chute side by side.

Two servers of one tiny chute (a unary cord and a 16-message stream, no Triton), both with keys
and metrics; one also with the usage meter and a quota on the key (the quota check runs on every
call). Rounds alternate between them so both see the same machine load; each round times
sequential gRPC calls over loopback, and the medians of the rounds are compared.

    .venv/bin/python -m bench.usage_overhead [--rounds 10] [--calls 400]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import pathlib
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc

from cordwire import Chute
from cordwire.server import ChuteServer
from cordwire.server.admission import Admission, KeyAuthenticator, KeyStore, Quota, admission_guard
from cordwire.server.observability import Observability
from cordwire.server.usage import LocalQuotas, SqliteUsageStore, UsageMeter, usage_db_beside


def make_chute() -> Chute:
    chute = Chute(username="bench", name="usage")

    @chute.cord(public_api_path="/echo", method="POST")
    async def echo(self: Any, text: str) -> dict[str, str]:
        return {"text": text}

    @chute.cord(public_api_path="/ticks", method="POST", stream=True)
    async def ticks(self: Any, n: int) -> AsyncIterator[dict[str, int]]:
        for i in range(n):
            yield {"i": i}

    return chute


@contextlib.asynccontextmanager
async def serve(store: KeyStore, meter: UsageMeter | None) -> AsyncIterator[ChuteServer]:
    chute = make_chute()
    admission = Admission(KeyAuthenticator(store))
    guard = admission_guard(admission, chute.chute_id)
    server = ChuteServer(
        chute,
        grpc_port=0,
        guards=(guard,) if meter is None else (guard, meter.guard),
        observability=Observability(),
        observers=() if meter is None else (meter.observer(chute.chute_id),),
    )
    await server.start()
    if meter is not None:
        await meter.start()
    try:
        yield server
    finally:
        await server.stop()
        if meter is not None:
            await meter.aclose()


async def timed_round(server: ChuteServer, key: str, calls: int, streaming: bool) -> float:
    """Mean seconds per call over ``calls`` sequential calls."""
    name = next(n for n, c in server.cords.items() if c.kind.streams_responses == streaming)
    cord = server.cords[name]
    metadata = (("x-api-key", key),)
    async with grpc.aio.insecure_channel(server.grpc_target) as channel:
        factory = channel.unary_stream if streaming else channel.unary_unary
        method = factory(
            cord.full_path,
            request_serializer=cord.input_class.SerializeToString,
            response_deserializer=cord.output_class.FromString,
        )
        request = cord.input_class(n=16) if streaming else cord.input_class(text="hello " * 8)
        for _ in range(20):  # warm the channel
            await _call(method, request, metadata, streaming)
        started = time.perf_counter()
        for _ in range(calls):
            await _call(method, request, metadata, streaming)
        return (time.perf_counter() - started) / calls


async def _call(method: Any, request: Any, metadata: Any, streaming: bool) -> None:
    if streaming:
        async for _ in method(request, metadata=metadata):
            pass
    else:
        await method(request, metadata=metadata)


async def main(rounds: int, calls: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = KeyStore(pathlib.Path(tmp) / "keys.db")
        key = store.create("bench", quota=Quota(requests=10**9, tokens=10**12, window="month"))
        usage_store = SqliteUsageStore(usage_db_beside(store.path))
        meter = UsageMeter(usage_store, LocalQuotas())
        async with serve(store, None) as plain, serve(store, meter) as metered:
            for streaming in (False, True):
                times: dict[str, list[float]] = {"plain": [], "metered": []}
                for i in range(rounds):
                    order = [("plain", plain), ("metered", metered)]
                    for label, server in order if i % 2 == 0 else reversed(order):
                        times[label].append(await timed_round(server, key, calls, streaming))
                a, b = statistics.median(times["plain"]), statistics.median(times["metered"])
                what = "stream of 16" if streaming else "unary"
                print(
                    f"{what:>12}: plain {a * 1e6:7.1f} µs/call, metered {b * 1e6:7.1f} µs/call, "
                    f"difference {(b - a) * 1e6:+6.1f} µs ({(b - a) / a * 100:+.1f}%); "
                    f"round spread plain {_spread(times['plain'])}, metered {_spread(times['metered'])}"
                )
        store.close()


def _spread(values: list[float]) -> str:
    return f"{min(values) * 1e6:.0f}-{max(values) * 1e6:.0f} µs"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--calls", type=int, default=400)
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.calls))
