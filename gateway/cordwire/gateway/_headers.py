"""HTTP headers in, call metadata and deadline out (and back): grpc-gateway's conventions."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from cordwire._codes import Code
from cordwire._errors import CordError

__all__ = ["call_metadata", "parse_grpc_timeout"]

_METADATA_PREFIX = "grpc-metadata-"
# Headers that are call metadata as they stand (credentials and correlation ids).
_PASSED_AS_IS = frozenset(
    {"authorization", "x-api-key", "x-request-id", "traceparent", "tracestate", "user-agent"}
)
_TIMEOUT = re.compile(r"^(\d{1,8})([HMSmun])$")
_PRINTABLE = re.compile(rb"^[\x20-\x7e]*$")
_UNIT_SECONDS = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}


def call_metadata(headers: Iterable[tuple[bytes, bytes]]) -> tuple[dict[str, str], float | None]:
    """The call's metadata (lower-case keys) and its deadline on the monotonic clock."""
    metadata: dict[str, str] = {}
    deadline = None
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        if name.startswith(_METADATA_PREFIX):
            key = name[len(_METADATA_PREFIX) :]
            # Binary (-bin) values have no str form in CordContext.metadata, and grpc- keys are
            # gRPC's own: dropped in both dispatch modes, as the gRPC side drops binary values.
            if not key.endswith("-bin") and not key.startswith("grpc-"):
                metadata[key] = _value(name, raw_value)
        elif name in _PASSED_AS_IS:
            metadata[name] = _value(name, raw_value)
        elif name == "grpc-timeout":
            deadline = time.monotonic() + parse_grpc_timeout(raw_value.decode("latin-1"))
    return metadata, deadline


def _value(name: str, raw: bytes) -> str:
    # gRPC metadata values are printable ASCII; refusing others here gives the same 400 whether the
    # call is dispatched in-process or over a channel (which would otherwise fail inside grpc).
    if not _PRINTABLE.match(raw):
        raise CordError(
            Code.INVALID_ARGUMENT,
            f"header {name!r} has characters gRPC metadata cannot carry (printable ASCII only)",
            param=name,
        )
    return raw.decode("ascii")


def parse_grpc_timeout(text: str) -> float:
    """Seconds from a gRPC timeout such as ``100m`` (at most 8 digits, then a unit)."""
    match = _TIMEOUT.match(text.strip())
    if not match:
        raise CordError(
            Code.INVALID_ARGUMENT,
            f"Grpc-Timeout {text!r} is not a gRPC timeout (up to 8 digits and a unit H, M, S, m, u or n)",
            param="Grpc-Timeout",
        )
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
