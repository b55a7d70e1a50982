"""Response shaping: proto3 JSON out (proto names, defaults printed), response_body, raw bodies."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from google.protobuf import json_format

from cordwire._protos import message_class
from cordwire.gateway._responses import RawBody, shape_response
from cordwire.gateway._routes import RouteTable

from .conftest import load_cases


@pytest.mark.parametrize("case", load_cases("responses.json"))
def test_shape(table: RouteTable, case: dict[str, Any]) -> None:
    route = next(r for r in table.routes if r.method.name == case["method"])
    message = json_format.ParseDict(case["message"], message_class(route.method.output_type)())
    shaped = shape_response(route.response, message)
    if "raw" in case:
        assert isinstance(shaped, RawBody)
        assert shaped.content_type == case["raw"]["content_type"]
        assert shaped.data == base64.b64decode(case["raw"]["data"])
    else:
        assert shaped == case["expect"]


def test_twin_shapes_each_stream_message(table: RouteTable) -> None:
    route = next(r for r in table.routes if r.method.name == "Complete")
    assert route.twin is not None
    chunk = message_class(route.twin.method.output_type)(text="a", tokens=1)
    assert shape_response(route.twin.response, chunk) == {"text": "a", "tokens": "1"}
