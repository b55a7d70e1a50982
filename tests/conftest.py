"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pathlib

import pytest

# Before any test module imports grpc (isort puts it above cordwire): gRPC reads its fork setting
# once, and the in-process Triton's concurrent stub forks abort the process with fork support on.
import cordwire._grpc_fork  # noqa: F401

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> pathlib.Path:
    return ROOT
