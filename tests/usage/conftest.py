"""A chute served with usage accounting and quotas on (SQLite beside a real key store), per test."""

from __future__ import annotations

import contextlib
import dataclasses
import pathlib
import time
from collections.abc import AsyncIterator
from typing import Any

import grpc
import httpx
import pytest

from cordwire.gateway import USAGE_PATH, create_app, usage_page
from cordwire.server import ChuteServer
from cordwire.server.admission import Admission, KeyAuthenticator, KeyStore, Quota, admission_guard
from cordwire.server.usage import LocalQuotas, SqliteUsageStore, UsageMeter, usage_db_beside, usage_reader
from tests.admission.conftest import free_port, redis_url  # noqa: F401  (fixtures for the serve tests)

from .chute import make_chute

# Yesterday 10:00 UTC: a fixed clock, so that day windows and hour buckets are known (and recent
# enough that the store's 90-day retention, on the wall clock, keeps the rows).
DAY0 = (int(time.time()) // 86400 - 1) * 86400
T0 = float(DAY0 + 10 * 3600)


def iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


@dataclasses.dataclass(kw_only=True)
class Metered:
    server: ChuteServer
    meter: UsageMeter
    http: httpx.AsyncClient
    channel: grpc.aio.Channel
    store: KeyStore
    keys: dict[str, str]
    """Raw keys by name: alice, bob (unlimited), capped (2 requests a day), frugal (10 tokens a day)."""
    now: list[float]
    """The meter's clock; tests move it."""

    def auth(self, name: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.keys[name]}"}

    def grpc_auth(self, name: str) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.keys[name]}"),)

    async def echo(self, name: str, text: str = "one two") -> httpx.Response:
        return await self.http.post("/v1/echo", json={"text": text}, headers=self.auth(name))

    async def usage(self, name: str, **params: str) -> dict[str, Any]:
        response = await self.http.get(USAGE_PATH, params=params, headers=self.auth(name))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def method(self, name: str) -> Any:
        cord = self.server.cords[name]
        factory = self.channel.unary_stream if cord.kind.streams_responses else self.channel.unary_unary
        return factory(
            cord.full_path,
            request_serializer=cord.input_class.SerializeToString,
            response_deserializer=cord.output_class.FromString,
        )


@pytest.fixture
async def metered(tmp_path: pathlib.Path) -> AsyncIterator[Metered]:
    store = KeyStore(tmp_path / "keys.db")
    keys = {
        "alice": store.create("alice"),
        "bob": store.create("bob"),
        "capped": store.create("capped", quota=Quota(requests=2, window="day")),
        "frugal": store.create("frugal", quota=Quota(tokens=10, window="day")),
    }
    admission = Admission(KeyAuthenticator(store))
    now = [T0]
    usage_store = SqliteUsageStore(usage_db_beside(store.path))
    meter = UsageMeter(usage_store, LocalQuotas(), clock=lambda: now[0])
    chute = make_chute()
    async with contextlib.AsyncExitStack() as stack:
        server = ChuteServer(
            chute,
            grpc_port=0,
            guards=(admission_guard(admission, chute.chute_id), meter.guard),
            grace=0.5,
            observers=(meter.observer(chute.chute_id),),
        )
        await server.start()
        stack.push_async_callback(meter.aclose)
        stack.push_async_callback(server.stop)
        reader = usage_reader(meter, lambda metadata: admission.admit(metadata, chute.chute_id))
        app = create_app(server, pages={USAGE_PATH: usage_page(reader)})
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        )
        channel = await stack.enter_async_context(grpc.aio.insecure_channel(server.grpc_target))
        yield Metered(server=server, meter=meter, http=http, channel=channel, store=store, keys=keys, now=now)
    store.close()
