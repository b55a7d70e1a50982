"""The seed examples (examples/seed_cords/chute.py), each chute served once per module."""

from __future__ import annotations

import types
from collections.abc import AsyncIterator

import pytest

from cordwire._target import load_target
from cordwire.testing import RunningChute, serve_chute
from tests.conftest import ROOT

SEED_FILE = ROOT / "examples" / "seed_cords" / "chute.py"
SEED_TARGET = f"{SEED_FILE}:chute"


@pytest.fixture(scope="session")
def seeds() -> types.ModuleType:
    """The example module, imported once (its chutes synthesize their services on first serve)."""
    import sys

    load_target(SEED_TARGET)
    return sys.modules["_cordwire_target_chute"]


@pytest.fixture(scope="module")
async def running(seeds: types.ModuleType) -> AsyncIterator[RunningChute]:
    async with serve_chute(seeds.chute) as running:
        yield running
