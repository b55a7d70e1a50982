"""Issue #20's check that usage accounting does not slow calls: the same chute side by side.

Two servers of one tiny chute (a unary cord and a 16-message stream, no Triton), both with keys
and metrics; one also with the usage meter and a quota on the key (the quota check runs on every
call). Sequential gRPC calls over loopback alternate between them one by one, so both see the
same machine load, and the per-call medians and the median paired difference are printed.

    .venv/bin/python -m bench.usage_overhead [--calls 4000]
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


def _method(channel: grpc.aio.Channel, server: ChuteServer, streaming: bool) -> tuple[Any, Any]:
    cord = next(c for c in server.cords.values() if c.kind.streams_responses == streaming)
    factory = channel.unary_stream if streaming else channel.unary_unary
    method = factory(
        cord.full_path,
        request_serializer=cord.input_class.SerializeToString,
        response_deserializer=cord.output_class.FromString,
    )
    return method, cord.input_class(n=16) if streaming else cord.input_class(text="hello " * 8)


async def _call(method: Any, request: Any, metadata: Any, streaming: bool) -> float:
    started = time.perf_counter()
    if streaming:
        async for _ in method(request, metadata=metadata):
            pass
    else:
        await method(request, metadata=metadata)
    return time.perf_counter() - started


async def compare(plain: ChuteServer, metered: ChuteServer, key: str, calls: int, streaming: bool) -> None:
    """Calls alternate between the servers one by one (order flipped each time), so load from
    elsewhere on the machine falls on both alike; medians per call and of the paired differences."""
    metadata = (("x-api-key", key),)
    async with (
        grpc.aio.insecure_channel(plain.grpc_target) as one,
        grpc.aio.insecure_channel(metered.grpc_target) as two,
    ):
        a, b = _method(one, plain, streaming), _method(two, metered, streaming)
        for _ in range(50):  # warm both channels
            await _call(*a, metadata, streaming)
            await _call(*b, metadata, streaming)
        times_a: list[float] = []
        times_b: list[float] = []
        for i in range(calls):
            if i % 2:
                times_b.append(await _call(*b, metadata, streaming))
                times_a.append(await _call(*a, metadata, streaming))
            else:
                times_a.append(await _call(*a, metadata, streaming))
                times_b.append(await _call(*b, metadata, streaming))
    ma, mb = statistics.median(times_a), statistics.median(times_b)
    paired = statistics.median(y - x for x, y in zip(times_a, times_b, strict=True))
    what = "stream of 16" if streaming else "unary"
    print(
        f"{what:>12}: plain {ma * 1e6:7.1f} µs, metered {mb * 1e6:7.1f} µs (medians of {calls}); "
        f"median paired difference {paired * 1e6:+6.1f} µs ({paired / ma * 100:+.1f}%)"
    )


async def main(calls: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = KeyStore(pathlib.Path(tmp) / "keys.db")
        key = store.create("bench", quota=Quota(requests=10**9, tokens=10**12, window="month"))
        usage_store = SqliteUsageStore(usage_db_beside(store.path))
        meter = UsageMeter(usage_store, LocalQuotas())
        async with serve(store, None) as plain, serve(store, meter) as metered:
            for streaming in (False, True):
                await compare(plain, metered, key, calls, streaming)
        store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=4000)
    args = parser.parse_args()
    asyncio.run(main(args.calls))
