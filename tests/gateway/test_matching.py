"""Dispatch: (HTTP method, raw path) to a route and decoded bindings, or 404 / 405."""

from __future__ import annotations

from typing import Any

import pytest

from cordwire import Code, CordError
from cordwire.gateway._matcher import Matcher, MethodNotAllowed

from .conftest import load_cases


@pytest.mark.parametrize("case", load_cases("matching.json"))
def test_match(matcher: Matcher, case: dict[str, Any]) -> None:
    method, path = case["request"].split(" ", 1)
    empty = case.get("empty_segments", False)
    expected = case["expect"]
    if expected == 404:
        with pytest.raises(CordError) as info:
            matcher.match(method, path, empty_segments=empty)
        assert info.value.code is Code.NOT_FOUND and info.value.http_status == 404
    elif expected == 405:
        with pytest.raises(MethodNotAllowed) as info:
            matcher.match(method, path, empty_segments=empty)
        assert info.value.http_status == 405
        assert info.value.headers["Allow"] == ", ".join(case["allow"])
    elif expected == 400:
        with pytest.raises(CordError) as info:
            matcher.match(method, path, empty_segments=empty)
        assert info.value.code is Code.INVALID_ARGUMENT and info.value.param == case["param"]
    else:
        route, bindings = matcher.match(method, path, empty_segments=empty)
        assert route.method.name == expected
        assert route.template.source == case.get("template", route.template.source)
        assert bindings == case.get("bindings", {})
