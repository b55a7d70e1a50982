"""Learning an upstream server's services through gRPC server reflection (for `cordwire gateway`)."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import ServiceDescriptor
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from cordwire._protos import resolve_service

__all__ = ["fetch_services"]

_INFRASTRUCTURE = ("grpc.health.", "grpc.reflection.")


def fetch_services(target: str, timeout: float = 10.0) -> list[ServiceDescriptor]:
    """Every application service the server at ``target`` offers, added to the default pool.

    Files the pool already has (well-known types, google.api, cordwire's options) are kept, so
    options on the fetched services are read with the same extensions as local ones.
    """
    with grpc.insecure_channel(target) as channel:
        grpc.channel_ready_future(channel).result(timeout=timeout)
        database = ProtoReflectionDescriptorDatabase(channel)
        names = [s for s in database.get_services() if not s.startswith(_INFRASTRUCTURE)]
        pool = _default_pool()
        for name in names:
            _add_with_dependencies(pool, database, database.FindFileContainingSymbol(name))
    return [resolve_service(name) for name in names]


def _add_with_dependencies(pool: Any, database: Any, file: descriptor_pb2.FileDescriptorProto) -> None:
    try:
        pool.FindFileByName(file.name)
        return
    except KeyError:
        pass
    for dependency in file.dependency:
        _add_with_dependencies(pool, database, database.FindFileByName(dependency))
    pool.Add(file)


def _default_pool() -> Any:
    from google.protobuf import descriptor_pool

    return descriptor_pool.Default()  # type: ignore[no-untyped-call]
