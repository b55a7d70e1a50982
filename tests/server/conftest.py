"""A bookstore chute served for real over gRPC, fresh per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cordwire import Chute
from cordwire._target import load_target
from cordwire.testing import RunningChute, serve_chute
from tests.conftest import ROOT

BOOKSTORE = f"{ROOT}/examples/bookstore/chute.py:chute"


@pytest.fixture
def bookstore() -> Chute:
    return load_target(BOOKSTORE)


@pytest.fixture
async def running(bookstore: Chute) -> AsyncIterator[RunningChute]:
    async with serve_chute(bookstore) as running:
        yield running
