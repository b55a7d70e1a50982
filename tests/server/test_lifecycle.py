"""Health, reflection, hooks and draining of a served chute."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from cordwire import Chute
from cordwire.server import ChuteServer
from cordwire.testing import RunningChute, serve_chute

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


async def test_health_reports_serving_for_server_and_service(running: RunningChute) -> None:
    stub = health_pb2_grpc.HealthStub(running.channel)
    for service in ("", "bookstore.v1.Bookstore"):
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=service))
        assert reply.status == SERVING


async def test_health_is_not_serving_until_startup_hooks_finish(bookstore: Chute) -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    @bookstore.on_startup()
    async def slow(self: object) -> None:
        entered.set()  # hooks run once the gRPC server is listening
        await release.wait()

    server = ChuteServer(bookstore, grpc_port=0)
    starting = asyncio.create_task(server.start())
    await entered.wait()
    async with grpc.aio.insecure_channel(server.grpc_target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        assert (await stub.Check(health_pb2.HealthCheckRequest())).status == NOT_SERVING
        release.set()
        await starting
        assert (await stub.Check(health_pb2.HealthCheckRequest())).status == SERVING
    await server.stop()


async def test_reflection_lists_and_describes_the_service(running: RunningChute) -> None:
    def describe() -> tuple[set[str], Any]:
        # The reflection client is synchronous: run it off the loop that serves the calls it makes.
        with grpc.insecure_channel(running.server.grpc_target) as channel:
            database = ProtoReflectionDescriptorDatabase(channel)
            pool = descriptor_pool.DescriptorPool(database)
            method = pool.FindServiceByName("bookstore.v1.Bookstore").methods_by_name["ListBooks"]
            return set(database.get_services()), (method.server_streaming, method.output_type.full_name)

    services, (streams, output) = await asyncio.to_thread(describe)
    assert {"bookstore.v1.Bookstore", "grpc.health.v1.Health"} <= services
    assert (streams, output) == (True, "bookstore.v1.Book")


async def test_startup_then_shutdown_hooks_run_in_order(bookstore: Chute) -> None:
    order: list[str] = []
    bookstore.on_startup()(lambda self: order.append("second startup"))
    bookstore.on_shutdown()(lambda self: order.append("first shutdown"))
    async with serve_chute(bookstore):
        order.append("serving")
    assert bookstore.events == ["startup", "shutdown"]  # type: ignore[attr-defined]
    assert order == ["second startup", "serving", "first shutdown"]


async def test_graceful_stop_drains_in_flight_calls_and_refuses_new_ones(bookstore: Chute) -> None:
    async with serve_chute(bookstore) as running:
        in_flight = asyncio.ensure_future(running.call("Sleep", {"seconds": 0.5}))
        await bookstore.sleep_started.wait()  # type: ignore[attr-defined]
        stopping = asyncio.create_task(running.server.stop(grace=5))
        reply = await in_flight
        assert reply.cancelled is False  # type: ignore[attr-defined]
        await stopping
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await running.call("GetBook", {"name": "shelves/1/books/1"}, timeout=2)
        assert info.value.code() is grpc.StatusCode.UNAVAILABLE


async def test_reflection_answers_under_v1_and_v1alpha(running: RunningChute) -> None:
    list_services = reflection_pb2.ServerReflectionRequest(list_services="")
    v1_name = "grpc.reflection.v1.ServerReflection"
    describe = reflection_pb2.ServerReflectionRequest(file_containing_symbol=v1_name)
    for package in ("v1", "v1alpha"):
        call = running.channel.stream_stream(
            f"/grpc.reflection.{package}.ServerReflection/ServerReflectionInfo",
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )
        replies = [reply async for reply in call(iter([list_services, describe]))]
        names = {s.name for s in replies[0].list_services_response.service}
        assert {"bookstore.v1.Bookstore", v1_name} <= names, package
        assert "grpc.reflection.v1alpha.ServerReflection" in names
        files = [
            descriptor_pb2.FileDescriptorProto.FromString(f)
            for f in replies[1].file_descriptor_response.file_descriptor_proto
        ]
        assert files[0].package == "grpc.reflection.v1", package
