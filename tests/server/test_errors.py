"""The one error type: its JSON shape, its code table, and what survives a gRPC hop."""

from __future__ import annotations

import pytest

from cordwire import Code, CordError
from cordwire._codes import error_type, http_status

# grpc-gateway's HTTPStatusFromCode, row by row (DESIGN.md names the ones users meet most).
TABLE = [
    (Code.OK, 200),
    (Code.CANCELLED, 499),
    (Code.UNKNOWN, 500),
    (Code.INVALID_ARGUMENT, 400),
    (Code.DEADLINE_EXCEEDED, 504),
    (Code.NOT_FOUND, 404),
    (Code.ALREADY_EXISTS, 409),
    (Code.PERMISSION_DENIED, 403),
    (Code.RESOURCE_EXHAUSTED, 429),
    (Code.FAILED_PRECONDITION, 400),
    (Code.ABORTED, 409),
    (Code.OUT_OF_RANGE, 400),
    (Code.UNIMPLEMENTED, 501),
    (Code.INTERNAL, 500),
    (Code.UNAVAILABLE, 503),
    (Code.DATA_LOSS, 500),
    (Code.UNAUTHENTICATED, 401),
]


@pytest.mark.parametrize(("code", "status"), TABLE, ids=[c.name for c, _ in TABLE])
def test_code_maps_to_grpc_gateways_http_status(code: Code, status: int) -> None:
    assert http_status(code) == status


def test_table_covers_every_code() -> None:
    assert {c for c, _ in TABLE} == set(Code)


def test_codes_are_grpc_status_numbers() -> None:
    assert Code(5) is Code.NOT_FOUND and int(Code.UNAUTHENTICATED) == 16


def test_error_json_has_openai_shape() -> None:
    error = CordError(Code.NOT_FOUND, "no model 'x'", param="model", reason="model_not_found")
    assert error.to_json() == {
        "error": {
            "message": "no model 'x'",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_found",
        }
    }
    assert error_type(Code.RESOURCE_EXHAUSTED) == "rate_limit_error"


@pytest.mark.parametrize(
    "error",
    [
        CordError(Code.NOT_FOUND, "m", param="name", reason="gone", error_type="custom"),
        CordError(Code.RESOURCE_EXHAUSTED, "too big", status=413),
        CordError(Code.INTERNAL, "plain"),
    ],
    ids=["param-reason-type", "status-override", "plain"],
)
def test_error_survives_a_grpc_hop(error: CordError) -> None:
    back = CordError.from_grpc(error.code, error.message, error.trailing_metadata())
    assert (back.code, back.message, back.http_status, back.to_json()) == (
        error.code,
        error.message,
        error.http_status,
        error.to_json(),
    )


def test_status_from_trailing_metadata_must_be_an_error_status() -> None:
    back = CordError.from_grpc(Code.INTERNAL, "m", [("cordwire-error-status", "200")])
    assert back.http_status == 500
