"""One embedded (in-process) Triton shared by the Triton tests (its models' stubs start in seconds)."""

from __future__ import annotations

import logging
import pathlib
from collections.abc import AsyncIterator

import pytest

from cordwire.server.triton import TritonService

MODELS = pathlib.Path(__file__).resolve().parent.parent / "triton_models"

logger = logging.getLogger("cordwire.triton")


@pytest.fixture(scope="session")
def model_repository() -> pathlib.Path:
    return MODELS


@pytest.fixture(scope="session")
async def triton(
    model_repository: pathlib.Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[TritonService]:
    service = TritonService.from_spec("embedded", model_repository, log_dir=tmp_path_factory.mktemp("triton"))
    await service.start()
    await service.wait_ready(timeout=120)
    assert service.embedded is not None
    logger.info("embedded Triton start-up to ready: %.2fs", service.embedded.startup_seconds)
    yield service
    await service.stop()
