"""/metrics after real traffic over both transports: counts by chute, cord, route and status."""

from __future__ import annotations

import pathlib

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from cordwire.gateway import ObservedGateway, create_app
from cordwire.server.admission import Admission, KeyAuthenticator, KeyStore, key_check

from .conftest import Ops

CHUTE = "ops-probe"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[sample.name, frozenset(sample.labels.items())] = sample.value
    return out


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


async def grpc_infer(ops: Ops, key: str | None) -> grpc.StatusCode:
    cord = ops.server.cords["Infer"]
    call = ops.channel.unary_unary(
        cord.full_path,
        request_serializer=cord.input_class.SerializeToString,
        response_deserializer=cord.output_class.FromString,
    )
    metadata = () if key is None else (("x-api-key", key),)
    try:
        await call(cord.input_class(x=1.5), metadata=metadata, timeout=10)
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


async def test_http_and_grpc_calls_are_counted_by_status(ops: Ops) -> None:
    auth = {"x-api-key": ops.key}
    assert (await ops.http.get("/v1/infer", params={"x": 2}, headers=auth)).json() == {"y": 4.0}
    assert (await ops.http.get("/v1/infer", params={"x": 3}, headers=auth)).status_code == 200
    assert (await ops.http.get("/v1/nowhere", headers=auth)).status_code == 404
    assert (await ops.http.get("/v1/infer")).status_code == 401
    assert (await ops.http.get("/v1/infer", headers={"x-api-key": ops.limited})).status_code == 200
    assert (await ops.http.get("/v1/infer", headers={"x-api-key": ops.limited})).status_code == 429
    stream = await ops.http.get("/v1/count/3", headers=auth)
    assert stream.status_code == 200 and stream.text.count("data:") == 4  # 3 messages and [DONE]
    assert await grpc_infer(ops, ops.key) is grpc.StatusCode.OK
    assert await grpc_infer(ops, None) is grpc.StatusCode.UNAUTHENTICATED

    response = await ops.http.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    infer_http = {"chute": CHUTE, "cord": "Infer", "route": "GET /v1/infer", "transport": "http"}
    assert value(text, "cordwire_requests_total", **infer_http, status="200") == 3
    assert value(text, "cordwire_requests_total", **infer_http, status="401") == 1
    assert value(text, "cordwire_requests_total", **infer_http, status="429") == 1
    unmatched = {"chute": "", "cord": "", "route": "", "transport": "http", "status": "404"}
    assert value(text, "cordwire_requests_total", **unmatched) == 1
    infer_grpc = {"chute": CHUTE, "cord": "Infer", "route": "/opstest.v1.Ops/Infer", "transport": "grpc"}
    assert value(text, "cordwire_requests_total", **infer_grpc, status="OK") == 1
    assert value(text, "cordwire_requests_total", **infer_grpc, status="UNAUTHENTICATED") == 1

    rejected = {"chute": CHUTE, "code": "UNAUTHENTICATED", "reason": "invalid_api_key"}
    assert value(text, "cordwire_rejections_total", **rejected) == 2  # one per transport
    limited = {"chute": CHUTE, "code": "RESOURCE_EXHAUSTED", "reason": "rate_limit_exceeded"}
    assert value(text, "cordwire_rejections_total", **limited) == 1

    chunks = {"chute": CHUTE, "cord": "Count", "transport": "http"}
    assert value(text, "cordwire_stream_messages_total", **chunks) == 3
    handler = {"chute": CHUTE, "cord": "Infer", "transport": "http"}
    assert value(text, "cordwire_handler_duration_seconds_count", **handler) == 5  # admission refusals too
    gateway = {"chute": CHUTE, "route": "GET /v1/infer"}
    assert value(text, "cordwire_gateway_request_duration_seconds_count", **gateway) == 5
    triton = {"chute": CHUTE, "model": "double", "kind": "infer"}
    assert value(text, "cordwire_triton_request_duration_seconds_count", **triton) == 4
    assert value(text, "cordwire_in_flight_requests", chute=CHUTE, transport="http") == 0
    endpoint = ops.server.triton.endpoints[0].address if ops.server.triton else ""
    assert value(text, "cordwire_triton_endpoint_healthy", chute=CHUTE, address=endpoint) == 1
    assert value(text, "cordwire_triton_restarts_total", chute=CHUTE) == 0


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
async def test_fixed_pages_are_counted_under_their_path(ops: Ops, path: str) -> None:
    await ops.http.get(path)
    labels = {"chute": "", "cord": "", "route": path, "transport": "http", "status": "200"}
    assert value(ops.metrics_text(), "cordwire_requests_total", **labels) == 1


async def test_liveness_is_serving_whatever_readiness_says(ops: Ops) -> None:
    stub = health_pb2_grpc.HealthStub(ops.channel)
    reply = await stub.Check(health_pb2.HealthCheckRequest(service="cordwire.liveness"))
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_protected_metrics_need_a_key_allowed_on_the_chute(ops: Ops, tmp_path: pathlib.Path) -> None:
    store = KeyStore(tmp_path / "keys.db")  # the fixture's store: ops.key lives there
    elsewhere = store.create("elsewhere", ["other-chute"])
    app = ObservedGateway(
        create_app(ops.server),
        ops.observability,
        metrics_check=key_check(Admission(KeyAuthenticator(store)), CHUTE),
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        missing = await http.get("/metrics")
        assert missing.status_code == 401
        assert missing.json()["error"]["type"] == "authentication_error"
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert (await http.get("/metrics", headers={"X-API-Key": "cw-not-a-key"})).status_code == 401
        assert (await http.get("/metrics", headers={"X-API-Key": elsewhere})).status_code == 403
        allowed = await http.get("/metrics", headers={"Authorization": f"Bearer {ops.key}"})
        assert allowed.status_code == 200
        assert "cordwire_requests_total" in allowed.text
    refused = {"chute": "", "cord": "", "route": "/metrics", "transport": "http", "status": "401"}
    assert value(ops.metrics_text(), "cordwire_requests_total", **refused) == 2
