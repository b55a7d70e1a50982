"""The one request every peer gets: FP32[16] + BYTES[2], in each peer's own JSON dialect."""

from __future__ import annotations

from typing import Any

__all__ = ["ECHO", "FLOATS", "TEXTS", "TRITON_HTTP"]

FLOATS = [float(i) for i in range(16)]
TEXTS = ["hello", "world"]

ECHO: dict[str, Any] = {"floats": FLOATS, "texts": TEXTS}
"""cordwire, grpc-gateway and the FastAPI proxy: ``POST /v1/echo``."""

TRITON_HTTP: dict[str, Any] = {
    "inputs": [
        {"name": "FLOATS", "shape": [len(FLOATS)], "datatype": "FP32", "data": FLOATS},
        {"name": "TEXTS", "shape": [len(TEXTS)], "datatype": "BYTES", "data": TEXTS},
    ]
}
"""Triton's KServe v2 JSON: ``POST /v2/models/identity/infer``."""
