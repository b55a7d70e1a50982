"""The gRPC edge limits as grpc core channel arguments (grpc core enforces them per connection).

A client over a limit gets RESOURCE_EXHAUSTED (message or metadata too large) or a GOAWAY
(``too_many_pings``, connection age); malformed HTTP/2 ends only that client's connection.
"""

from __future__ import annotations

from ._edge_limits import EdgeLimits

__all__ = ["grpc_server_options"]

GrpcOption = tuple[str, int]


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def grpc_server_options(limits: EdgeLimits, *, reuse_port: bool = False) -> list[GrpcOption]:
    return [
        ("grpc.so_reuseport", int(reuse_port)),
        ("grpc.max_receive_message_length", limits.grpc_max_message_bytes),
        ("grpc.max_send_message_length", limits.grpc_max_message_bytes),
        # Soft and hard limits equal: between them grpc core refuses a random share of calls.
        ("grpc.max_metadata_size", limits.grpc_max_metadata_bytes),
        ("grpc.absolute_max_metadata_size", limits.grpc_max_metadata_bytes),
        ("grpc.max_concurrent_streams", limits.grpc_max_streams),
        ("grpc.max_connection_age_ms", _ms(limits.grpc_max_connection_age)),
        ("grpc.max_connection_age_grace_ms", _ms(limits.grpc_max_connection_age_grace)),
        # Keepalive enforcement: pings closer than this are strikes; past max_ping_strikes the
        # connection gets GOAWAY too_many_pings. Pings between calls are allowed (at that pace) so
        # that clients keeping idle channels warm are not cut off.
        ("grpc.http2.min_ping_interval_without_data_ms", _ms(limits.grpc_min_ping_interval)),
        ("grpc.http2.min_recv_ping_interval_without_data_ms", _ms(limits.grpc_min_ping_interval)),
        ("grpc.http2.max_ping_strikes", 2),
        ("grpc.keepalive_permit_without_calls", 1),
        # The server's own pings find dead peers (their streams and memory are then freed).
        ("grpc.keepalive_time_ms", 60_000),
        ("grpc.keepalive_timeout_ms", 20_000),
    ]
