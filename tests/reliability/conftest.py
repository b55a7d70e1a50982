"""The relay chute served in this process (gRPC socket + gateway socket), one Triton for the session."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from cordwire.gateway import create_app
from cordwire.testing import RunningChute, serve_chute

from .chute import make_chute
from .serving import gateway_socket


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Relay:
    running: RunningChute
    """The served chute: ``server`` (its ``triton``), ``channel``, ``method()``."""
    url: str
    """The gateway on a real loopback socket (streams and hang-ups need one)."""


@pytest.fixture(scope="session")
async def relay() -> AsyncIterator[Relay]:
    async with (
        serve_chute(make_chute(), grace=2.0) as running,
        gateway_socket(create_app(running.server)) as url,
    ):
        yield Relay(running=running, url=url)
