"""`cordwire serve`: the gRPC server and the HTTP gateway in one event loop, stopped by signals."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import faulthandler
import logging
import signal
import time
from collections.abc import Iterator

import grpc
import uvicorn

from ._admission_setup import AdmissionOptions, build_admission
from ._chute import Chute
from ._console import StartupConsole
from .gateway import ChuteEndpoint, Gateway, ObservedGateway, RemoteDispatcher, create_app, fetch_services
from .server import ChuteServer
from .server.admission import admission_guard, key_check
from .server.observability import Observability, Tracing

__all__ = ["ServeOptions", "TritonFailure", "serve", "serve_gateway"]

log = logging.getLogger("cordwire")


class TritonFailure(RuntimeError):
    """The embedded Triton can no longer serve: ``cordwire serve`` stops and exits non-zero, for its
    supervisor (systemd, Kubernetes) to start a fresh process."""


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


def _observability(options: ServeOptions) -> Observability:
    tracing = Tracing.otlp(options.otlp_endpoint) if options.otlp_endpoint else None
    return Observability(tracing=tracing)


class _HttpServer(uvicorn.Server):
    # Signals are ours: one handler stops gRPC and HTTP together and runs the shutdown hooks.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(chute: Chute, options: ServeOptions) -> None:
    # Triton runs in this process: if its C++ ever crashes, the threads' Python stacks on stderr
    # are the cause we can give (the exit status is the signal's, non-zero, for the supervisor).
    if not faulthandler.is_enabled():
        faulthandler.enable()
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
    )
    config = uvicorn.Config(
        ObservedGateway(create_app(server), observability, metrics_check=metrics_check),
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
        http_url = f"http://{options.host}:{http.servers[0].sockets[0].getsockname()[1]}"
        auth = not options.admission.no_auth
        ready_task = asyncio.create_task(_announce(console, server, http_url, auth=auth))
        failure: list[str] = []  # a Triton that can no longer serve stops us like a signal

        def on_failure(cause: str) -> None:
            failure.append(cause)
            stop.set()

        if server.triton is not None:
            server.triton.add_failure_listener(on_failure)
            if server.triton.failure is not None:
                on_failure(server.triton.failure)
        await stop.wait()
        ready_task.cancel()
        console.line(f"Triton failed: {failure[0]}" if failure else "shutting down")
        http.should_exit = True
        await server.stop()
        await http_task
        if failure:
            raise TritonFailure(f"Triton failed: {failure[0]}")
    finally:
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
    async with grpc.aio.insecure_channel(upstream) as channel:
        dispatcher = RemoteDispatcher(channel)
        gateway = Gateway([ChuteEndpoint.for_service(s, dispatcher) for s in services])
        config = uvicorn.Config(
            ObservedGateway(gateway, observability),
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
