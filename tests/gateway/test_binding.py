"""Request binding: path variables, query parameters and bodies into one request message."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl

import pytest
from google.protobuf import json_format

from cordwire import Code, CordError
from cordwire.gateway._binding import bind_request
from cordwire.gateway._matcher import Matcher

from .conftest import load_cases


def _body(case: dict[str, Any]) -> bytes:
    if "body_b64" in case:
        return base64.b64decode(case["body_b64"])
    body = case.get("body")
    if body is None:
        return b""
    return body.encode() if isinstance(body, str) else json.dumps(body).encode()


@pytest.mark.parametrize("case", load_cases("binding.json") + load_cases("numbers.json"))
def test_bind(matcher: Matcher, case: dict[str, Any]) -> None:
    method, target = case["request"].split(" ", 1)
    path, _, query = target.partition("?")
    route, bindings = matcher.match(method, path)
    args = (route.binding, bindings, parse_qsl(query, keep_blank_values=True), _body(case))
    content_type = case.get("content_type", "application/json")
    lenient = case.get("ignore_unknown_query", False)
    if "error" in case:
        with pytest.raises(CordError) as info:
            bind_request(*args, content_type, ignore_unknown_query=lenient)
        assert info.value.code is Code.INVALID_ARGUMENT
        assert info.value.param == case["error"]["param"]
        assert case["error"]["message"] in info.value.message
        return
    request = bind_request(*args, content_type, ignore_unknown_query=lenient)
    assert json_format.MessageToDict(request, preserving_proto_field_name=True) == case["expect"]
    assert route.select(request).method.name == case.get("selects", route.method.name)
