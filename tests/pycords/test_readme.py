"""README's "Python-first cords (Chutes style)": its Python blocks, run as one module, tests and all."""

from __future__ import annotations

import json
import re
import types
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.conftest import ROOT

SECTION = "## Python-first cords (Chutes style)"


def section_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    start = text.index(SECTION)
    end = text.index("\n## ", start + len(SECTION))
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)


@pytest.fixture(scope="module")
def readme() -> types.ModuleType:
    blocks = section_blocks()
    assert len(blocks) == 2, "the section's Python blocks changed: update this test"
    module = types.ModuleType("readme_chutes_style")
    exec(compile("\n".join(blocks), "README.md", "exec"), module.__dict__)  # as one file would run
    return module


def readme_tests() -> list[str]:
    return [name for block in section_blocks() for name in re.findall(r"^async def (test_\w+)", block, re.M)]


@pytest.mark.parametrize("name", readme_tests())
async def test_readme_snippet(readme: types.ModuleType, name: str) -> None:
    test: Callable[[], Awaitable[Any]] = getattr(readme, name)
    await test()


async def test_readme_chute_streams_with_the_request(readme: types.ModuleType) -> None:
    import httpx

    transport = httpx.ASGITransport(app=readme.chute)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.post("/count", json={"n": 2}, headers={"User-Agent": "readme/1"})
    await readme.chute.aclose()
    events = [line[6:] for line in response.text.split("\n") if line.startswith("data: ")]
    assert [json.loads(e) for e in events[:-1]] == [
        {"i": 0, "agent": "readme/1"},
        {"i": 1, "agent": "readme/1"},
    ]
    assert events[-1] == "[DONE]"
    assert readme_tests() == ["test_greet_over_asgi", "test_greet_over_grpc"]
