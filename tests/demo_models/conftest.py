"""A real tritonserver serving cordwire/demo/models for the demo-model tests.

Started through cordwire's own ``TritonService`` (embedded spec), the same path the demo chute
takes, so these tests also prove the repository loads the way ``cordwire serve`` loads it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cordwire.server.triton import TritonService

REPO = Path(__file__).resolve().parents[2] / "server" / "cordwire" / "demo" / "models"
MODELS = ("embed", "image", "tiny_lm")
READY_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Server:
    grpc_url: str
    startup_s: float  # launch until every model reports READY
    log: Path  # the server's combined stdout/stderr (models log through pb_utils.Logger)


@pytest.fixture(scope="session")
async def triton_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    service = TritonService.from_spec("embedded", REPO, log_dir=tmp_path_factory.mktemp("demo-triton"))
    assert tuple(sorted(service.models)) == MODELS
    await service.start()
    try:
        await service.wait_ready(timeout=READY_TIMEOUT_S)
        assert service.embedded is not None and service.supervisor is not None
        startup = service.supervisor.last_startup_seconds
        assert startup is not None
        yield Server(service.embedded.grpc_address, startup, service.embedded.log_path)
    finally:
        await service.stop()


@pytest.fixture
def triton_log(triton_server: Server) -> Path:
    return triton_server.log
