"""The transcoding conformance service, compiled once, and the case tables' loader."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
from google.protobuf.descriptor import FileDescriptor, ServiceDescriptor

from cordwire._protos import load_proto_files
from cordwire.gateway._matcher import Matcher
from cordwire.gateway._routes import RouteTable, compile_routes

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
CASES = pathlib.Path(__file__).resolve().parent / "cases"
PROTOS = ROOT / "tests" / "protos"
PACKAGE = "cordwire.testing.transcoding.v1"


def load_cases(name: str) -> list[Any]:
    """A table of cases as pytest params, one per row, ids from the rows."""
    rows = json.loads((CASES / name).read_text())
    for row in rows:
        assert {"id", "why"} <= row.keys(), f"{name}: every row needs an id and a why: {row}"
    return [pytest.param(row, id=row["id"]) for row in rows]


def _load(name: str) -> FileDescriptor:
    return load_proto_files([PROTOS / "transcoding" / "v1" / name], include_dirs=[PROTOS])[0]


@pytest.fixture(scope="session")
def service() -> ServiceDescriptor:
    return _load("transcoding.proto").services_by_name["Transcoding"]


@pytest.fixture(scope="session")
def invalid_file() -> FileDescriptor:
    return _load("invalid.proto")


@pytest.fixture(scope="session")
def table(service: ServiceDescriptor) -> RouteTable:
    return compile_routes(service)


@pytest.fixture(scope="session")
def matcher(table: RouteTable) -> Matcher:
    return Matcher(table.routes)
