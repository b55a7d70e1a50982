"""Where the bench's inputs, build cache and results live."""

from __future__ import annotations

import pathlib

BENCH = pathlib.Path(__file__).resolve().parent
REPO = BENCH.parent
PROTO_ROOT = BENCH / "proto"
PROTO = PROTO_ROOT / "cordbench" / "v1" / "bench.proto"
GOOGLE_PROTOS = REPO / "protos"
"""Vendored google/api protos (annotations.proto) for protoc and ghz."""
MODELS = REPO / "tests" / "triton_models"
"""identity (unary) and counter (decoupled), shared with the Triton tests."""
CACHE = REPO / ".cache" / "bench"
"""Go builds, generated grpc-gateway code, logs: gitignored, never committed."""
BIN = CACHE / "bin"
RESULTS = BENCH / "results"
