"""HTTPException: the HTTP status it names comes back over HTTP; gRPC callers get the nearest code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from cordwire import Chute, Code, HTTPException
from cordwire.testing import RunningChute, serve_chute

chute = Chute(username="tests", name="statuses")


@chute.cord(public_api_path="/fail")
async def fail(self: Any, status: int) -> dict[str, Any]:
    raise HTTPException(status_code=status, detail=f"failed with {status}", headers={"Retry-After": "3"})


ROWS = [
    (400, Code.INVALID_ARGUMENT),
    (401, Code.UNAUTHENTICATED),
    (403, Code.PERMISSION_DENIED),
    (404, Code.NOT_FOUND),
    (409, Code.ALREADY_EXISTS),
    (413, Code.RESOURCE_EXHAUSTED),
    (429, Code.RESOURCE_EXHAUSTED),
    (500, Code.INTERNAL),
    (503, Code.UNAVAILABLE),
    (418, Code.INVALID_ARGUMENT),
    (502, Code.UNAVAILABLE),
]


@pytest.fixture(scope="module")
async def running() -> AsyncIterator[RunningChute]:
    async with serve_chute(chute) as running:
        yield running


@pytest.mark.parametrize(("status", "code"), ROWS)
async def test_status_round_trips(running: RunningChute, status: int, code: Code) -> None:
    response = await running.http.post("/fail", json={"status": status})
    assert response.status_code == status
    assert response.json()["error"]["message"] == f"failed with {status}"
    assert response.headers["retry-after"] == "3"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await running.call("Fail", {"status": status})
    assert caught.value.code().value[0] == code.value


def test_detail_shapes() -> None:
    assert HTTPException(422, {"field": "x"}).message == '{"field":"x"}'
    assert HTTPException(404).message == "HTTP 404"
    assert HTTPException(413).to_json()["error"]["type"] == "invalid_request_error"
    with pytest.raises(ValueError, match="error status"):
        HTTPException(200)
