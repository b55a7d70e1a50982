"""One Triton gRPC address: its channel, the KServe v2 calls we make, and its health."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import grpc
from grpc import aio
from tritonclient.grpc import service_pb2

__all__ = ["Endpoint"]

logger = logging.getLogger("cordwire.triton")

_SERVICE = "/inference.GRPCInferenceService/"
# Tensors can be large (images, embeddings batches); Triton's own limit applies server-side.
_CHANNEL_OPTIONS = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]


def _identity(payload: bytes) -> bytes:
    return payload


class _Calls:
    """The KServe v2 methods we call, bound to one channel."""

    def __init__(self, channel: aio.Channel) -> None:
        self.channel = channel
        # Requests arrive pre-serialized (see _wire.py), hence the identity serializer.
        self.infer = channel.unary_unary(
            _SERVICE + "ModelInfer",
            request_serializer=_identity,
            response_deserializer=service_pb2.ModelInferResponse.FromString,
        )
        self.stream_infer = channel.stream_stream(
            _SERVICE + "ModelStreamInfer",
            request_serializer=_identity,
            response_deserializer=service_pb2.ModelStreamInferResponse.FromString,
        )
        self.live = channel.unary_unary(
            _SERVICE + "ServerLive",
            request_serializer=service_pb2.ServerLiveRequest.SerializeToString,
            response_deserializer=service_pb2.ServerLiveResponse.FromString,
        )
        self.server_ready = channel.unary_unary(
            _SERVICE + "ServerReady",
            request_serializer=service_pb2.ServerReadyRequest.SerializeToString,
            response_deserializer=service_pb2.ServerReadyResponse.FromString,
        )
        self.model_ready = channel.unary_unary(
            _SERVICE + "ModelReady",
            request_serializer=service_pb2.ModelReadyRequest.SerializeToString,
            response_deserializer=service_pb2.ModelReadyResponse.FromString,
        )


class Endpoint:
    """A Triton server reachable over gRPC. ``healthy`` is False until a health check passes."""

    def __init__(self, address: str, on_health_change: Callable[[], None] | None = None) -> None:
        self.address = address
        self.healthy = False
        self._on_health_change = on_health_change
        self._calls: _Calls | None = None

    @property
    def calls(self) -> _Calls:
        # The channel is made on first use, inside the event loop that will drive it.
        if self._calls is None:
            self._calls = _Calls(aio.insecure_channel(self.address, options=_CHANNEL_OPTIONS))
        return self._calls

    async def retarget(self, address: str) -> None:
        """Point at a new address (an embedded Triton restarted on fresh ports)."""
        self.address = address
        await self.close()

    def set_healthy(self, healthy: bool) -> None:
        if healthy != self.healthy:
            self.healthy = healthy
            logger.info("Triton at %s is %s", self.address, "ready" if healthy else "not ready")
            if self._on_health_change is not None:
                self._on_health_change()

    async def check(self, models: Sequence[str], rpc_timeout: float = 1.0) -> bool:
        """True when the server is live and every model in ``models`` (or, with none, the server) is
        ready. Never raises."""
        calls = self.calls
        try:
            if not (await calls.live(service_pb2.ServerLiveRequest(), timeout=rpc_timeout)).live:
                return False
            if not models:
                reply = await calls.server_ready(service_pb2.ServerReadyRequest(), timeout=rpc_timeout)
                return bool(reply.ready)
            asks = [service_pb2.ModelReadyRequest(name=m) for m in models]
            replies = await asyncio.gather(*(calls.model_ready(a, timeout=rpc_timeout) for a in asks))
            return all(reply.ready for reply in replies)
        except grpc.RpcError:
            return False

    async def close(self) -> None:
        calls, self._calls = self._calls, None
        if calls is not None:
            await calls.channel.close()
