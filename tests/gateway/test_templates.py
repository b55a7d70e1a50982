"""Path template grammar: what parses into what, and what is refused with which reason."""

from __future__ import annotations

from typing import Any

import pytest

from cordwire.gateway._templates import TemplateError, parse_template

from .conftest import load_cases


@pytest.mark.parametrize("case", load_cases("templates.json"))
def test_template(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(TemplateError) as info:
            parse_template(case["template"])
        assert case["error"] in str(info.value)
        assert case["template"] in str(info.value)
        return
    template = parse_template(case["template"])
    assert template.shape == case["shape"]
    assert template.verb == case.get("verb", "")
    got = {v.name: [v.start, v.end, v.multi_segment] for v in template.variables}
    assert got == case.get("variables", {})
