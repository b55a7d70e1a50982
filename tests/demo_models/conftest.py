"""A real tritonserver serving cordwire/demo/models for the demo-model tests.

The models' contract as any KServe v2 client sees it: a ``tritonserver`` process of its own
(``TritonProcess``, with the backend directory prepared as the embedded Triton prepares it),
reached over gRPC by tritonclient. cordwire's in-process path to the same models is tests/demo.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cordwire.server.triton import TritonProcess
from cordwire.server.triton._endpoint import Endpoint
from cordwire.server.triton._repository import model_names

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
    assert model_names(REPO) == MODELS
    triton = TritonProcess(REPO, MODELS, log_dir=tmp_path_factory.mktemp("demo-triton"))
    started = time.monotonic()
    triton.launch()
    endpoint = Endpoint(triton.grpc_address)
    try:
        # Readiness of a process of its own has no event this side of gRPC: poll it.
        while not await endpoint.check(MODELS):
            if time.monotonic() - started > READY_TIMEOUT_S:
                raise TimeoutError(f"demo models not READY within {READY_TIMEOUT_S}s ({triton.log_path})")
            await asyncio.sleep(0.1)
        yield Server(triton.grpc_address, time.monotonic() - started, triton.log_path)
    finally:
        await endpoint.close()
        await asyncio.to_thread(triton.close)


@pytest.fixture
def triton_log(triton_server: Server) -> Path:
    return triton_server.log
