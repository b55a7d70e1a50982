"""gRPC server reflection under both of its names: ``grpc.reflection.v1`` (what current grpcurl,
Postman and grpcui ask first) and ``grpc.reflection.v1alpha`` (older tools).

grpcio-reflection ships only the v1alpha service. The v1 protocol is the same messages, field for
field, under another package, so one servicer answers both: the v1 file is registered in the
descriptor pool (so that reflection can describe itself) and the v1 method reuses v1alpha's codecs.
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection, reflection_pb2, reflection_pb2_grpc

__all__ = ["V1_SERVICE_NAME", "enable_reflection"]

V1_SERVICE_NAME = "grpc.reflection.v1.ServerReflection"
_V1ALPHA, _V1 = ".grpc.reflection.v1alpha.", ".grpc.reflection.v1."


def enable_reflection(server: grpc.aio.Server, service_names: Iterable[str]) -> None:
    """Serve reflection for ``service_names`` (and health, reflection itself) under both names."""
    _register_v1_file()
    names = (*service_names, reflection.SERVICE_NAME, V1_SERVICE_NAME)
    servicer = reflection.aio.ReflectionServicer(names)
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(servicer, server)
    v1 = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(V1_SERVICE_NAME, {"ServerReflectionInfo": v1}),)
    )


def _register_v1_file() -> None:
    pool = descriptor_pool.Default()  # type: ignore[no-untyped-call]
    try:
        pool.FindServiceByName(V1_SERVICE_NAME)
        return  # another server of this process registered it
    except KeyError:
        pass
    proto = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(proto)
    proto.name = "grpc/reflection/v1/reflection.proto"
    proto.package = "grpc.reflection.v1"
    proto.ClearField("options")
    for message in proto.message_type:
        for field in message.field:
            if field.HasField("type_name"):
                field.type_name = field.type_name.replace(_V1ALPHA, _V1)
    for method in proto.service[0].method:
        method.input_type = method.input_type.replace(_V1ALPHA, _V1)
        method.output_type = method.output_type.replace(_V1ALPHA, _V1)
    pool.AddSerializedFile(proto.SerializeToString())
