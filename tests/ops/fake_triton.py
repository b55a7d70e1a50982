"""A stand-in Triton speaking the few KServe v2 gRPC methods cordwire calls, recording requests.

It answers ModelInfer by doubling input ``x`` into output ``y``, and keeps each request's
parameters and gRPC metadata so tests can see the trace context cordwire sent.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
import numpy as np
from tritonclient.grpc import service_pb2


class FakeTriton:
    def __init__(self) -> None:
        self.parameters: list[dict[str, str]] = []
        self.metadata: list[dict[str, str]] = []

    async def live(self, request: Any, context: Any) -> service_pb2.ServerLiveResponse:
        return service_pb2.ServerLiveResponse(live=True)

    async def ready(self, request: Any, context: Any) -> service_pb2.ServerReadyResponse:
        return service_pb2.ServerReadyResponse(ready=True)

    async def infer(self, request: Any, context: Any) -> service_pb2.ModelInferResponse:
        self.parameters.append({k: v.string_param for k, v in request.parameters.items()})
        self.metadata.append({k: v for k, v in context.invocation_metadata() if isinstance(v, str)})
        x = np.frombuffer(request.raw_input_contents[0], dtype=np.float32)
        response = service_pb2.ModelInferResponse(model_name=request.model_name)
        response.outputs.add(name="y", datatype="FP32", shape=[len(x)])
        response.raw_output_contents.append((x * 2).astype(np.float32).tobytes())
        return response


@contextlib.asynccontextmanager
async def fake_triton() -> AsyncIterator[tuple[FakeTriton, str]]:
    """A running fake on a free loopback port: ``(fake, "127.0.0.1:PORT")``."""
    fake = FakeTriton()
    methods = {
        "ServerLive": (fake.live, service_pb2.ServerLiveRequest),
        "ServerReady": (fake.ready, service_pb2.ServerReadyRequest),
        "ModelInfer": (fake.infer, service_pb2.ModelInferRequest),
    }
    handlers = {
        name: grpc.unary_unary_rpc_method_handler(
            behaviour,
            request_deserializer=kind.FromString,
            response_serializer=lambda m: m.SerializeToString(),
        )
        for name, (behaviour, kind) in methods.items()
    }
    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler("inference.GRPCInferenceService", handlers),)
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield fake, f"127.0.0.1:{port}"
    finally:
        await server.stop(0)
