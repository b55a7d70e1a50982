"""Every status the gateway can answer, as the exception class the client raises for it."""

from __future__ import annotations

import httpx
import pytest

from cordwire import Code
from cordwire._codes import http_status
from cordwire_client import (
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    CordClientError,
    DeadlineExceededError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestCancelledError,
    RetryPolicy,
    ServiceUnavailableError,
    UnimplementedError,
)

# One row per gRPC code; the status comes from the shared table, so a change there shows here.
CASES: list[tuple[Code, type[CordClientError]]] = [
    (Code.CANCELLED, RequestCancelledError),
    (Code.UNKNOWN, InternalServerError),
    (Code.INVALID_ARGUMENT, BadRequestError),
    (Code.DEADLINE_EXCEEDED, DeadlineExceededError),
    (Code.NOT_FOUND, NotFoundError),
    (Code.ALREADY_EXISTS, ConflictError),
    (Code.PERMISSION_DENIED, PermissionDeniedError),
    (Code.RESOURCE_EXHAUSTED, RateLimitError),
    (Code.FAILED_PRECONDITION, BadRequestError),
    (Code.ABORTED, ConflictError),
    (Code.OUT_OF_RANGE, BadRequestError),
    (Code.UNIMPLEMENTED, UnimplementedError),
    (Code.INTERNAL, InternalServerError),
    (Code.UNAVAILABLE, ServiceUnavailableError),
    (Code.DATA_LOSS, InternalServerError),
    (Code.UNAUTHENTICATED, AuthenticationError),
]


def test_every_failing_code_has_a_row() -> None:
    assert {code for code, _ in CASES} == set(Code) - {Code.OK}


@pytest.mark.parametrize(("code", "cls"), CASES, ids=[code.name for code, _ in CASES])
async def test_http_error_maps_to_its_class(asgi: httpx.ASGITransport, code: Code, cls: type) -> None:
    async with AsyncClient("http://testserver", transport=asgi, retry=RetryPolicy(max_retries=0)) as c:
        with pytest.raises(CordClientError) as caught:
            await c.call("/v1/fail", {"code": code.name, "message": "boom", "param": "messages[0]"})
    error = caught.value
    assert type(error) is cls
    assert error.status == http_status(code)
    assert error.grpc_code is code
    assert (error.message, error.param, error.code) == ("boom", "messages[0]", code.name.lower())
    assert error.type
    assert "x-request-id" in error.headers


async def test_a_reason_replaces_the_code_name(asgi: httpx.ASGITransport) -> None:
    async with AsyncClient("http://testserver", transport=asgi) as c:
        with pytest.raises(NotFoundError) as caught:
            await c.call(
                "/v1/fail", {"code": "NOT_FOUND", "message": "no model", "reason": "model_not_found"}
            )
    assert caught.value.code == "model_not_found"
    assert caught.value.type == "invalid_request_error"
    # The body names no code, so the status stands for it (404 is only NOT_FOUND).
    assert caught.value.grpc_code is Code.NOT_FOUND


async def test_an_unknown_route_is_not_found(asgi: httpx.ASGITransport) -> None:
    async with AsyncClient("http://testserver", transport=asgi) as c:
        with pytest.raises(NotFoundError):
            await c.call("/v1/nowhere", {})


def test_a_body_that_is_not_json_still_maps_by_status() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>bad gateway</html>")

    with (
        Client("http://proxy", transport=httpx.MockTransport(handler)) as c,
        pytest.raises(InternalServerError) as caught,
    ):
        c.call("/v1/models")
    assert caught.value.status == 502
