"""`cordwire serve`: the gRPC server and the HTTP gateway in one event loop, stopped by signals."""

from __future__ import annotations

import asyncio
import dataclasses
import faulthandler
import logging
import signal
import time
from collections.abc import Callable, Mapping
from typing import TypedDict

import grpc

from ._admission_setup import AdmissionOptions, build_admission
from ._chute import Chute
from ._console import StartupConsole
from ._edge_grpc import grpc_server_options
from ._edge_limits import EdgeLimits
from ._http_server import HttpServer, fit_open_files, listen_socket
from ._jobs_setup import build_jobs
from .gateway import (
    USAGE_PATH,
    ChuteEndpoint,
    Gateway,
    ObservedGateway,
    RemoteDispatcher,
    fetch_services,
    usage_page,
)
from .gateway._pages import Page
from .jobs import JOBS_SERVICE_NAME as JOBS_SERVICE
from .jobs import JobsOptions
from .server import ChuteServer
from .server.admission import Admission, admission_guard, key_check, resolve_keys_db
from .server.observability import Observability, Tracing
from .server.usage import UsageMeter, UsageReader, build_meter, usage_reader

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
    usage_metrics: bool = False
    """Export per-key Prometheus counters (one series per key id: off by default)."""
    ignore_unknown_query_parameters: bool = False
    """Drop query parameters that name no field instead of answering 400 (Envoy's option name)."""
    match_empty_segments: bool = False
    """Let an empty path segment (``//``, a trailing ``/``) fill ``*`` and ``{var}`` (default: 404)."""
    jobs: JobsOptions | None = None
    """Where the chute's jobs live and their limits; None: beside the keys DB (Redis with --redis)."""
    limits: EdgeLimits = dataclasses.field(default_factory=EdgeLimits)
    """What one client may cost (header size and time, connections, gRPC sizes and pings)."""
    reuse_port: bool = False
    """Bind with SO_REUSEPORT: set for each of ``--workers`` processes sharing the ports."""


class _Transcoding(TypedDict):
    ignore_unknown_query_parameters: bool
    match_empty_segments: bool


def _transcoding(options: ServeOptions) -> _Transcoding:
    return {
        "ignore_unknown_query_parameters": options.ignore_unknown_query_parameters,
        "match_empty_segments": options.match_empty_segments,
    }


def _observability(options: ServeOptions) -> Observability:
    tracing = Tracing.otlp(options.otlp_endpoint) if options.otlp_endpoint else None
    return Observability(tracing=tracing)


def _stop_on_signals() -> asyncio.Event:
    """An event that SIGTERM and SIGINT set: both commands stop the same way, with their hooks."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


def _http_front(
    endpoints: list[ChuteEndpoint],
    options: ServeOptions,
    observability: Observability,
    *,
    pages: Mapping[str, Page] | None = None,
    metrics_check: Callable[[Mapping[str, str]], None] | None = None,
) -> tuple[Gateway, HttpServer]:
    """The HTTP side of `serve` and `gateway` alike: one gateway over ``endpoints`` with the
    transcoding switches, observed, behind the edge limits, on its own socket (not yet started)."""
    limits = fit_open_files(options.limits)
    gateway = Gateway(endpoints, pages=pages, body_timeout=limits.body_timeout, **_transcoding(options))
    app = ObservedGateway(gateway, observability, metrics_check=metrics_check)
    sock = listen_socket(options.host, options.http_port, reuse_port=options.reuse_port)
    return gateway, HttpServer(app, limits, sock, grace=options.grace)


async def serve(chute: Chute, options: ServeOptions) -> None:
    # Triton runs in this process: if its C++ ever crashes, the threads' Python stacks on stderr
    # are the cause we can give (the exit status is the signal's, non-zero, for the supervisor).
    if not faulthandler.is_enabled():
        faulthandler.enable()
    stop = _stop_on_signals()
    console = StartupConsole()
    observability = _observability(options)
    admission = build_admission(options.admission, console.dev_key_created)
    guard = admission_guard(admission, chute.chute_id)
    metrics_check = key_check(admission, chute.chute_id) if options.metrics_auth else None
    meter = _meter(options, observability)
    jobs = build_jobs(
        chute,
        options.jobs,
        admission,
        keys_db=options.admission.keys_db,
        redis_url=options.admission.redis_url,
    )
    server = ChuteServer(
        chute,
        host=options.host,
        grpc_port=options.grpc_port,
        triton=options.triton,
        guards=(guard,) if meter is None else (guard, meter.guard),
        grace=options.grace,
        observability=observability,
        observers=() if meter is None else (meter.observer(chute.chute_id),),
        attached=jobs,
        grpc_options=grpc_server_options(options.limits, reuse_port=options.reuse_port),
    )
    pages = {} if meter is None else {USAGE_PATH: usage_page(_reader(meter, admission, chute.chute_id))}
    _, http = _http_front(
        [ChuteEndpoint.in_process(server)], options, observability, pages=pages, metrics_check=metrics_check
    )
    try:
        await server.start()
        if meter is not None:
            await meter.start()
        http.start()
        http_url = f"http://{options.host}:{http.port}"
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
        http.should_exit = True  # stop accepting while the calls in flight drain
        await server.stop()
        await http.stop()
        if failure:
            raise TritonFailure(f"Triton failed: {failure[0]}")
    finally:
        http.sock.close()
        await server.stop()
        if meter is not None:
            await meter.aclose()  # the last second's counts, once every call has ended
        if observability.tracing is not None:
            observability.tracing.shutdown()  # flushes the spans still batched


def _meter(options: ServeOptions, observability: Observability) -> UsageMeter | None:
    """Usage accounting and quotas, beside the keys (or in Redis); none without keys (--no-auth)."""
    if options.admission.no_auth:
        return None
    registry = observability.metrics.registry if options.usage_metrics else None
    keys_db = resolve_keys_db(options.admission.keys_db)
    return build_meter(keys_db, options.admission.redis_url, registry=registry)


def _reader(meter: UsageMeter, admission: Admission, chute_id: str) -> UsageReader:
    # Reading usage is admitted like a call (key, chute, rate limit); it holds no slot.
    return usage_reader(meter, lambda metadata: admission.admit(metadata, chute_id))


async def serve_gateway(upstream: str, options: ServeOptions) -> None:
    """Serve HTTP only, forwarding every call over gRPC to ``upstream`` (auth happens there)."""
    services = await asyncio.to_thread(fetch_services, upstream)
    if not services:
        raise OSError(f"{upstream} offers no services through reflection")
    stop = _stop_on_signals()
    observability = _observability(options)
    async with grpc.aio.insecure_channel(upstream) as channel:
        dispatcher = RemoteDispatcher(channel)
        # The jobs service is the upstream chute's (one chute per server): its routes join the chute's.
        jobs = [s for s in services if s.full_name == JOBS_SERVICE]
        chutes = [s for s in services if s.full_name != JOBS_SERVICE]
        endpoints = [ChuteEndpoint.for_service(s, dispatcher).with_services(jobs) for s in chutes]
        gateway, http = _http_front(endpoints, options, observability)
        http.start()
        port = http.port
        for chute_id in gateway.endpoints:
            print(f"chute {chute_id} via {upstream}")
        print(f"HTTP  http://{options.host}:{port}", flush=True)
        print("ready", flush=True)
        await stop.wait()
        await http.stop()
    http.sock.close()


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
