"""Whole numbers in dict results print as JSON integers, as Go's protojson prints them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cordwire import Chute
from cordwire.testing import RunningChute, serve_chute

chute = Chute(username="numbers", name="check")


@chute.cord(public_api_path="/count")
async def count(self: object, text: str) -> dict[str, object]:
    return {"count": len(text), "ratio": 0.5, "nested": [{"n": 2}], "big": 2.0**60}


@pytest.fixture(scope="module")
async def running() -> AsyncIterator[RunningChute]:
    async with serve_chute(chute) as running:
        yield running


async def test_whole_doubles_in_struct_results_are_integers(running: RunningChute) -> None:
    response = await running.http.post("/count", json={"text": "abc"})
    assert '"count":3,' in response.text or '"count":3}' in response.text
    assert '"n":2}' in response.text
    assert response.json() == {"count": 3, "ratio": 0.5, "nested": [{"n": 2}], "big": 2.0**60}
