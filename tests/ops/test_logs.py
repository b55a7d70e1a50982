"""The access log: one JSON line per call on either transport, with the request id, never a key."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import grpc
import pytest

from cordwire._logging import JsonFormatter

from .conftest import Ops

FIELDS = {
    "ts",
    "level",
    "logger",
    "message",
    "request_id",
    "transport",
    "chute",
    "cord",
    "route",
    "status",
    "duration_ms",
}


@pytest.fixture
def access_lines() -> Iterator[io.StringIO]:
    """What ``cordwire serve --log-format json`` writes for ``cordwire.access``."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("cordwire.access")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield out
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


async def test_one_json_line_per_request_and_no_key(ops: Ops, access_lines: io.StringIO) -> None:
    secret = ops.key
    http = await ops.http.get("/v1/infer?x=1", headers={"x-api-key": secret, "x-request-id": "req-http-1"})
    assert http.headers["x-request-id"] == "req-http-1"
    await ops.http.get("/v1/infer", headers={"authorization": "Bearer cw_000000000000_wrong"})
    await ops.http.get("/healthz")  # probes are not logged
    cord = ops.server.cords["Infer"]
    call = ops.channel.unary_unary(
        cord.full_path,
        request_serializer=cord.input_class.SerializeToString,
        response_deserializer=cord.output_class.FromString,
    )
    rpc = call(cord.input_class(x=1), metadata=(("authorization", f"Bearer {secret}"),))
    await rpc
    grpc_id = dict(await rpc.trailing_metadata())["x-request-id"]
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await call(cord.input_class(x=1), metadata=(("x-request-id", "req-grpc-2"),))
    assert dict(failed.value.trailing_metadata())["x-request-id"] == "req-grpc-2"

    text = access_lines.getvalue()
    assert secret not in text and "cw_000000000000_wrong" not in text
    assert "authorization" not in text.lower() and "x-api-key" not in text.lower()
    lines = [json.loads(line) for line in text.splitlines()]
    assert [(r["transport"], r["status"], r["request_id"]) for r in lines] == [
        ("http", "200", "req-http-1"),
        ("http", "401", lines[1]["request_id"]),
        ("grpc", "OK", grpc_id),
        ("grpc", "UNAUTHENTICATED", "req-grpc-2"),
    ]
    for record in lines:
        assert record.keys() >= FIELDS, record
        assert record["logger"] == "cordwire.access" and record["level"] == "info"
        assert record["chute"] == "ops-probe" and record["cord"] == "Infer"
        assert isinstance(record["duration_ms"], float) and record["duration_ms"] >= 0
    assert lines[0]["route"] == "GET /v1/infer" and lines[0]["path"] == "/v1/infer"
    assert lines[2]["route"] == "/opstest.v1.Ops/Infer"
    assert len(lines[1]["request_id"]) == 32  # generated when the client sent none


def test_text_lines_read_well() -> None:
    record = logging.LogRecord("cordwire.access", logging.INFO, __file__, 1, "msg %s", ("x",), None)
    assert json.loads(JsonFormatter().format(record))["message"] == "msg x"
