"""Test a chute the way its users call it: a real gRPC client and a real HTTP client, in one process.

async with serve_chute(chute) as running:
    reply = await running.call("GetBook", {"name": "shelves/1/books/1"})
    response = await running.http.get("/v1/shelves/1/books/1")
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Iterable
from typing import Any

import grpc
import httpx
from google.protobuf import json_format
from google.protobuf.message import Message

from ._chute import Chute
from ._cords import Cord
from .gateway import create_app
from .jobs import JobsOptions, attach_jobs
from .server import CallGuard, ChuteServer

__all__ = ["RunningChute", "serve_chute"]


@dataclasses.dataclass(kw_only=True, slots=True)
class RunningChute:
    """A chute being served on loopback, with clients pointed at it."""

    server: ChuteServer
    """The running server (its ``grpc_target``, ``cords``, ``triton``)."""
    channel: grpc.aio.Channel
    """A gRPC channel to the server's real socket."""
    http: httpx.AsyncClient
    """An HTTP client bound in-process to the gateway app (no socket)."""

    def method(self, name: str) -> Any:
        """A gRPC multi-callable for the RPC ``name``, typed by its descriptors."""
        cord: Cord = self.server.cords[name]
        factory = {
            (False, False): self.channel.unary_unary,
            (False, True): self.channel.unary_stream,
            (True, False): self.channel.stream_unary,
            (True, True): self.channel.stream_stream,
        }[(cord.kind.streams_requests, cord.kind.streams_responses)]
        return factory(
            cord.full_path,
            request_serializer=cord.input_class.SerializeToString,
            response_deserializer=cord.output_class.FromString,
        )

    def request(self, name: str, fields: dict[str, Any] | None = None) -> Message:
        """A request message for ``name`` built from a dict in proto3 JSON form."""
        return json_format.ParseDict(fields or {}, self.server.cords[name].input_class())

    async def call(
        self,
        name: str,
        fields: dict[str, Any] | None = None,
        *,
        metadata: Iterable[tuple[str, str]] = (),
        timeout: float | None = None,
    ) -> Message:
        """Call a unary RPC over gRPC."""
        result: Message = await self.method(name)(
            self.request(name, fields), metadata=tuple(metadata), timeout=timeout
        )
        return result


@contextlib.asynccontextmanager
async def serve_chute(
    chute: Chute,
    *,
    triton: str = "embedded",
    guards: tuple[CallGuard, ...] = (),
    grace: float = 5.0,
    ready_timeout: float | None = 120.0,
    jobs: JobsOptions | None = None,
) -> AsyncIterator[RunningChute]:
    """Serve ``chute`` on a free loopback port until the block exits, then shut it down.

    ``jobs``: serve the chute's jobs (``/jobs``, cordwire.v1.Jobs) with these options, every
    caller as one owner.
    """
    attached = (attach_jobs(chute, jobs),) if jobs is not None and chute.jobs else ()
    server = ChuteServer(chute, grpc_port=0, triton=triton, guards=guards, grace=grace, attached=attached)
    try:
        await server.start()
        await server.wait_ready(ready_timeout)
        transport = httpx.ASGITransport(app=create_app(server))
        async with (
            grpc.aio.insecure_channel(server.grpc_target) as channel,
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
        ):
            yield RunningChute(server=server, channel=channel, http=http)
    finally:
        await server.stop()
