"""`cordwire serve`: the gRPC server and the HTTP gateway in one event loop, stopped by signals."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import time

import grpc

from ._admission_setup import AdmissionOptions, build_admission
from ._chute import Chute
from ._console import StartupConsole
from ._edge_grpc import grpc_server_options
from ._edge_limits import EdgeLimits
from ._http_server import HttpServer, fit_open_files, listen_socket
from .gateway import ChuteEndpoint, Gateway, ObservedGateway, RemoteDispatcher, create_app, fetch_services
from .server import ChuteServer
from .server.admission import admission_guard, key_check
from .server.observability import Observability, Tracing

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
    metrics_auth: bool = False
    """``/metrics`` needs an API key allowed on the chute (default: public, for a scraper inside)."""
    otlp_endpoint: str | None = None
    """OTLP/HTTP collector for trace spans (``http://host:4318``); None: tracing off."""
    limits: EdgeLimits = dataclasses.field(default_factory=EdgeLimits)
    """What one client may cost (header size and time, connections, gRPC sizes and pings)."""
    reuse_port: bool = False
    """Bind with SO_REUSEPORT: set for each of ``--workers`` processes sharing the ports."""


def _observability(options: ServeOptions) -> Observability:
    tracing = Tracing.otlp(options.otlp_endpoint) if options.otlp_endpoint else None
    return Observability(tracing=tracing)


async def serve(chute: Chute, options: ServeOptions) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    console = StartupConsole()
    observability = _observability(options)
    admission = build_admission(options.admission, console.dev_key_created)
    guard = admission_guard(admission, chute.chute_id)
    metrics_check = key_check(admission, chute.chute_id) if options.metrics_auth else None
    server = ChuteServer(
        chute,
        host=options.host,
        grpc_port=options.grpc_port,
        triton=options.triton,
        guards=(guard,),
        grace=options.grace,
        observability=observability,
        grpc_options=grpc_server_options(options.limits, reuse_port=options.reuse_port),
    )
    limits = fit_open_files(options.limits)
    gateway = create_app(server, body_timeout=limits.body_timeout)
    sock = listen_socket(options.host, options.http_port, reuse_port=options.reuse_port)
    app = ObservedGateway(gateway, observability, metrics_check=metrics_check)
    http = HttpServer(app, limits, sock, grace=options.grace)
    try:
        await server.start()
        http.start()
        http_url = f"http://{options.host}:{http.port}"
        auth = not options.admission.no_auth
        ready_task = asyncio.create_task(_announce(console, server, http_url, auth=auth))
        await stop.wait()
        ready_task.cancel()
        console.line("shutting down")
        http.should_exit = True
        await server.stop()
        await http.stop()
    finally:
        sock.close()
        await server.stop()
        if observability.tracing is not None:
            observability.tracing.shutdown()  # flushes the spans still batched


async def serve_gateway(upstream: str, options: ServeOptions) -> None:
    """Serve HTTP only, forwarding every call over gRPC to ``upstream`` (auth happens there)."""
    services = await asyncio.to_thread(fetch_services, upstream)
    if not services:
        raise OSError(f"{upstream} offers no services through reflection")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    observability = _observability(options)
    limits = fit_open_files(options.limits)
    sock = listen_socket(options.host, options.http_port, reuse_port=options.reuse_port)
    async with grpc.aio.insecure_channel(upstream) as channel:
        dispatcher = RemoteDispatcher(channel)
        endpoints = [ChuteEndpoint.for_service(s, dispatcher) for s in services]
        gateway = Gateway(endpoints, body_timeout=limits.body_timeout)
        http = HttpServer(ObservedGateway(gateway, observability), limits, sock, grace=options.grace)
        http.start()
        port = http.port
        for chute_id in gateway.endpoints:
            print(f"chute {chute_id} via {upstream}")
        print(f"HTTP  http://{options.host}:{port}", flush=True)
        print("ready", flush=True)
        await stop.wait()
        await http.stop()
    sock.close()


async def _announce(console: StartupConsole, server: ChuteServer, http_url: str, *, auth: bool) -> None:
    """Progress until the chute is ready (Triton up, models loaded), then the routes and ``ready``."""
    ready = asyncio.ensure_future(server.wait_ready())
    try:
        triton = server.triton
        if triton is not None and not triton.ready:
            models = ", ".join(triton.models)
            what = (
                f"Starting Triton, loading {models}"
                if triton.embedded is not None
                else f"Waiting for Triton ({models})"
            )
            with console.progress(what) as progress:
                while not ready.done():
                    await asyncio.wait({ready}, timeout=0.25)
                    launches = triton.supervisor.launches if triton.supervisor else 1
                    restarts = f", restarted {launches - 1}x" if launches > 1 else ""
                    progress.update(f"{time.monotonic() - progress.started:.0f}s{restarts}")
                progress.result = f"{len(triton.models)} model(s) ready"
        await ready
    finally:
        ready.cancel()
    console.banner(server.chute, server.grpc_target, http_url, auth=auth)
    console.line("ready")
