"""`cordwire serve`: the gRPC server and the HTTP gateway in one event loop, stopped by signals."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
from collections.abc import Iterator

import grpc
import uvicorn

from ._admission_setup import AdmissionOptions, build_admission
from ._chute import Chute
from ._route_listing import route_lines
from .gateway import ChuteEndpoint, Gateway, RemoteDispatcher, create_app, fetch_services
from .server import ChuteServer
from .server.admission import admission_guard

__all__ = ["ServeOptions", "serve", "serve_gateway"]

log = logging.getLogger("cordwire")


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class ServeOptions:
    host: str = "127.0.0.1"
    """Address both servers bind."""
    http_port: int = 8080
    grpc_port: int = 50051
    triton: str = "embedded"
    """``embedded`` or ``host:port[,host:port…]`` of external Triton gRPC endpoints."""
    grace: float = 10.0
    """Seconds in-flight calls get to finish on shutdown."""
    admission: AdmissionOptions = dataclasses.field(default_factory=AdmissionOptions)
    """Keys, rate limits and concurrency bounds."""


class _HttpServer(uvicorn.Server):
    # Signals are ours: one handler stops gRPC and HTTP together and runs the shutdown hooks.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(chute: Chute, options: ServeOptions) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    guard = admission_guard(build_admission(options.admission), chute.chute_id)
    server = ChuteServer(
        chute,
        host=options.host,
        grpc_port=options.grpc_port,
        triton=options.triton,
        guards=(guard,),
        grace=options.grace,
    )
    config = uvicorn.Config(
        create_app(server),
        host=options.host,
        port=options.http_port,
        lifespan="off",
        log_level="warning",
        access_log=False,
    )
    http = _HttpServer(config)
    try:
        await server.start()
        http_task = asyncio.create_task(http.serve())
        while not http.started:
            if http_task.done():
                await http_task  # surfaces the bind error
                raise OSError(f"cannot listen for HTTP on {options.host}:{options.http_port}")
            await asyncio.sleep(0.01)
        http_port = http.servers[0].sockets[0].getsockname()[1]
        _print_banner(server, options.host, http_port)
        ready_task = asyncio.create_task(server.wait_ready())
        ready_task.add_done_callback(lambda t: t.cancelled() or t.exception() or print("ready", flush=True))
        await stop.wait()
        ready_task.cancel()
        print("shutting down", flush=True)
        http.should_exit = True
        await server.stop()
        await http_task
    finally:
        await server.stop()


async def serve_gateway(upstream: str, options: ServeOptions) -> None:
    """Serve HTTP only, forwarding every call over gRPC to ``upstream`` (auth happens there)."""
    services = await asyncio.to_thread(fetch_services, upstream)
    if not services:
        raise OSError(f"{upstream} offers no services through reflection")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with grpc.aio.insecure_channel(upstream) as channel:
        dispatcher = RemoteDispatcher(channel)
        gateway = Gateway([ChuteEndpoint.for_service(s, dispatcher) for s in services])
        config = uvicorn.Config(
            gateway,
            host=options.host,
            port=options.http_port,
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        http = _HttpServer(config)
        http_task = asyncio.create_task(http.serve())
        while not http.started:
            if http_task.done():
                await http_task
                raise OSError(f"cannot listen for HTTP on {options.host}:{options.http_port}")
            await asyncio.sleep(0.01)
        port = http.servers[0].sockets[0].getsockname()[1]
        for chute_id in gateway.endpoints:
            print(f"chute {chute_id} via {upstream}")
        print(f"HTTP  http://{options.host}:{port}", flush=True)
        print("ready", flush=True)
        await stop.wait()
        http.should_exit = True
        await http_task


def _print_banner(server: ChuteServer, host: str, http_port: int) -> None:
    chute = server.chute
    lines = [f"chute {chute.chute_id} ({chute.service.full_name})", *route_lines(chute)]
    lines.append(
        f"gRPC  {server.grpc_target}  (reflection on; every RPC as /{chute.service.full_name}/<Method>)"
    )
    lines.append(f"HTTP  http://{host}:{http_port}")
    print("\n".join(lines), flush=True)
