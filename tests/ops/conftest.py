"""A chute served with metrics, access log and tracing on, in front of a fake Triton, per test."""

from __future__ import annotations

import contextlib
import dataclasses
import pathlib
from collections.abc import AsyncIterator

import grpc
import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from cordwire.gateway import ObservedGateway, create_app
from cordwire.server import ChuteServer
from cordwire.server.admission import (
    Admission,
    KeyAuthenticator,
    KeyStore,
    RateLimit,
    RateLimiter,
    RateLimitPolicy,
    admission_guard,
)
from cordwire.server.observability import Observability, Tracing

from .chute import make_chute
from .fake_triton import FakeTriton, fake_triton


@dataclasses.dataclass(kw_only=True)
class Ops:
    server: ChuteServer
    observability: Observability
    spans: InMemorySpanExporter
    triton: FakeTriton
    http: httpx.AsyncClient
    channel: grpc.aio.Channel
    key: str
    """Allowed, unlimited."""
    limited: str
    """Allowed one call, then 429."""

    def metrics_text(self) -> str:
        return self.observability.exposition()[0].decode()


@pytest.fixture
async def ops(tmp_path: pathlib.Path) -> AsyncIterator[Ops]:
    store = KeyStore(tmp_path / "keys.db")
    key, limited = store.create("ops"), store.create("limited")
    policy = RateLimitPolicy(per_key={"limited": RateLimit(rate=0.001, burst=1)})
    admission = Admission(KeyAuthenticator(store), rate_limiter=RateLimiter(policy))
    chute = make_chute()
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    observability = Observability(tracing=Tracing(provider))
    async with contextlib.AsyncExitStack() as stack:
        triton, address = await stack.enter_async_context(fake_triton())
        server = ChuteServer(
            chute,
            grpc_port=0,
            triton=address,
            guards=(admission_guard(admission, chute.chute_id),),
            grace=0.5,
            observability=observability,
        )
        await server.start()
        stack.push_async_callback(server.stop)
        await server.wait_ready(30)
        app = ObservedGateway(create_app(server), observability)
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        )
        channel = await stack.enter_async_context(grpc.aio.insecure_channel(server.grpc_target))
        yield Ops(
            server=server,
            observability=observability,
            spans=spans,
            triton=triton,
            http=http,
            channel=channel,
            key=key,
            limited=limited,
        )
    store.close()
    provider.shutdown()
