"""The serving edge's limits: what one client may cost before it is refused, on by default.

Each field has a ``cordwire serve`` / ``cordwire gateway`` flag (``add_limit_flags``); the HTTP
limits are enforced by ``_edge_http``, the gRPC ones are grpc core's channel arguments
(``_edge_grpc``).
"""

from __future__ import annotations

import argparse
import dataclasses

from cordwire._errors import DefinitionError

__all__ = ["EdgeLimits", "add_limit_flags", "limits_from_args"]

_MIB = 1024 * 1024


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EdgeLimits:
    # HTTP/1.1
    max_header_bytes: int = 64 * 1024
    """Request line plus headers, in bytes; more: 431 and close (nginx and Go stop near here too)."""
    max_headers: int = 100
    """Header lines per request; more: 431 and close."""
    header_timeout: float = 10.0
    """Seconds from a connection's first byte (or its opening) until the request's headers are
    complete; past it: 408 and close. Slowloris connections end here."""
    keepalive_timeout: float = 5.0
    """Seconds an idle keep-alive connection is kept between requests."""
    body_timeout: float = 30.0
    """Seconds a request body may take to arrive in full; past it: 408 and close."""
    max_connections: int = 8192
    """Open HTTP connections in total (per worker); more: 429 and close at once. Lowered at start
    to what the open-files limit allows."""
    max_connections_per_ip: int = 1024
    """Open HTTP connections from one client address (per worker); more: 429 and close. A proxy
    without connection reuse opens one per request in flight, all from its own address: size it
    for that there."""
    # gRPC (HTTP/2)
    grpc_max_message_bytes: int = 16 * _MIB
    """Largest gRPC message received or sent; more: RESOURCE_EXHAUSTED."""
    grpc_max_metadata_bytes: int = 16 * 1024
    """Largest metadata (headers) of a gRPC call; more: RESOURCE_EXHAUSTED."""
    grpc_min_ping_interval: float = 10.0
    """Seconds a client must leave between keepalive pings; two pings sooner: GOAWAY
    ``too_many_pings`` and the connection ends."""
    grpc_max_streams: int = 100
    """Concurrent calls (HTTP/2 streams) on one gRPC connection."""
    grpc_max_connection_age: float = 1800.0
    """Seconds after which a gRPC connection is asked to go away (clients reconnect, which also
    spreads them over workers and replicas)."""
    grpc_max_connection_age_grace: float = 60.0
    """Seconds calls still running on an aged connection get before it is closed."""

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            if getattr(self, field.name) <= 0:
                raise DefinitionError(
                    f"edge limit {field.name} must be positive, not {getattr(self, field.name)}"
                )


_DEFAULTS = EdgeLimits()

# (flag, field, type, metavar, help); "%s" in the help is the default.
_HTTP_FLAGS: tuple[tuple[str, str, type, str, str], ...] = (
    ("--max-header-bytes", "max_header_bytes", int, "BYTES", "request line + headers, then 431 (default %s)"),
    ("--max-headers", "max_headers", int, "N", "header lines per request, then 431 (default %s)"),
    ("--header-timeout", "header_timeout", float, "S", "seconds to send the headers, then 408 (default %s)"),
    ("--keepalive-timeout", "keepalive_timeout", float, "S", "idle keep-alive seconds (default %s)"),
    ("--body-timeout", "body_timeout", float, "S", "seconds to send the body, then 408 (default %s)"),
    ("--max-connections", "max_connections", int, "N", "open HTTP connections, then 429 (default %s)"),
    (
        "--max-connections-per-ip",
        "max_connections_per_ip",
        int,
        "N",
        "open HTTP connections per client IP, then 429 (default %s)",
    ),
)
_GRPC_FLAGS: tuple[tuple[str, str, type, str, str], ...] = (
    (
        "--grpc-max-message-bytes",
        "grpc_max_message_bytes",
        int,
        "BYTES",
        "largest gRPC message in or out (default %s)",
    ),
    (
        "--grpc-max-metadata-bytes",
        "grpc_max_metadata_bytes",
        int,
        "BYTES",
        "largest gRPC call metadata (default %s)",
    ),
    (
        "--grpc-min-ping-interval",
        "grpc_min_ping_interval",
        float,
        "S",
        "seconds between client keepalive pings, else GOAWAY (default %s)",
    ),
    ("--grpc-max-streams", "grpc_max_streams", int, "N", "concurrent calls per gRPC connection (default %s)"),
    (
        "--grpc-max-connection-age",
        "grpc_max_connection_age",
        float,
        "S",
        "seconds before a gRPC connection is asked to go away (default %s)",
    ),
    (
        "--grpc-max-connection-age-grace",
        "grpc_max_connection_age_grace",
        float,
        "S",
        "seconds its calls then get to finish (default %s)",
    ),
)


def add_limit_flags(command: argparse.ArgumentParser, *, grpc: bool) -> None:
    """The HTTP limit flags, and the gRPC ones when ``grpc`` (``cordwire serve``)."""
    group = command.add_argument_group("edge limits")
    for flag, field, kind, metavar, text in _HTTP_FLAGS + (_GRPC_FLAGS if grpc else ()):
        group.add_argument(
            flag, dest=f"limit_{field}", type=kind, metavar=metavar, help=text % getattr(_DEFAULTS, field)
        )


def limits_from_args(args: argparse.Namespace) -> EdgeLimits:
    """The limits the flags name, defaults for the rest (ValueError for a non-positive one)."""
    given = {
        field.name: getattr(args, f"limit_{field.name}")
        for field in dataclasses.fields(EdgeLimits)
        if getattr(args, f"limit_{field.name}", None) is not None
    }
    return EdgeLimits(**given)
