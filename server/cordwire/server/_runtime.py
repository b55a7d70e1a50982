"""ChuteServer: one chute served over grpc.aio, with health, reflection, Triton and lifecycle hooks."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from cordwire._chute import Chute, Hook
from cordwire._cords import Cord

from ._attached import AttachedService
from ._grpc_handlers import build_generic_handler
from ._invoke import CallGuard, CallObserver, Invoker, observe_all
from ._loopwatch import LoopWatchdog
from ._reflection import enable_reflection

if TYPE_CHECKING:
    from .observability import Observability
    from .triton import TritonService

__all__ = ["ChuteServer"]

log = logging.getLogger("cordwire.server")
LIVENESS_SERVICE = "cordwire.liveness"
"""Health service name SERVING while the process serves at all, models ready or not: a liveness
probe on it never restarts a replica because Triton is down (readiness covers that)."""
_SERVING = health_pb2.HealthCheckResponse.SERVING
_NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class ChuteServer:
    """Serves a chute over gRPC; reports ready once started, hooks run and every model is READY."""

    def __init__(
        self,
        chute: Chute,
        *,
        host: str = "127.0.0.1",
        grpc_port: int = 50051,
        triton: str = "embedded",
        guards: tuple[CallGuard, ...] = (),
        grace: float = 10.0,
        observability: Observability | None = None,
        observers: tuple[CallObserver, ...] = (),
        attached: tuple[AttachedService, ...] = (),
        grpc_options: Sequence[tuple[str, int | str]] = (),
    ) -> None:
        """``observers``: more call observers beside observability's (usage accounting)."""
        self.chute = chute
        self.cords: dict[str, Cord] = chute.cords()  # validates the whole chute before anything starts
        concurrency = getattr(chute, "concurrency", None)
        if concurrency:  # Chutes' `concurrency`: beyond it, 429 with Retry-After at once
            from .admission import ConcurrencyLimiter, concurrency_guard

            guards = (*guards, concurrency_guard(ConcurrencyLimiter(concurrency, chute_id=chute.chute_id)))
        self.observability = observability
        """Metrics, access log and tracing (cordwire.server.observability); None: none of them."""
        watching: list[CallObserver] = list(observers)
        if observability is not None:
            watching.insert(0, observability.call_observer(chute.chute_id, self.cords))
        self.invoker = Invoker(chute, guards, observe_all(watching))
        self.attached = attached
        """Services served beside the chute's (its jobs), each with its own invoker and ``self``."""
        self._attached_invokers = {
            a.service.full_name: Invoker(
                a.owner,
                guards,
                None if observability is None else observability.call_observer(chute.chute_id, a.cords),
            )
            for a in attached
        }
        self.host = host
        self.grace = grace
        self._requested_port = grpc_port
        self._triton_spec = triton
        self.grpc_port = 0
        self.triton: TritonService | None = None
        self._server: grpc.aio.Server | None = None
        self._health = health.aio.HealthServicer()
        self._hooks_done = False
        self._ready = False
        self._listeners: list[Callable[[bool], None]] = []
        self._started_at = 0.0
        self._watchdog: LoopWatchdog | None = None
        self._grpc_options = list({"grpc.so_reuseport": 0, **dict(grpc_options)}.items())
        """grpc core channel arguments (the edge limits)."""

    @property
    def grpc_target(self) -> str:
        return f"{self.host}:{self.grpc_port}"

    @property
    def ready(self) -> bool:
        return self._ready

    def target(self, service_name: str, method_name: str) -> tuple[Invoker, Cord]:
        """The invoker and cord of an RPC of the chute's service or of an attached one."""
        for attached in self.attached:
            if attached.service.full_name == service_name:
                return self._attached_invokers[service_name], attached.cords[method_name]
        return self.invoker, self.cords[method_name]

    def add_listener(self, callback: Callable[[bool], None]) -> None:
        """Called with the new readiness whenever it changes."""
        self._listeners.append(callback)

    async def start(self) -> None:
        """Bind and serve; readiness follows once hooks ran and models are ready."""
        self._started_at = time.monotonic()
        self.triton = await self._start_triton()
        if self.triton is not None and self.observability is not None:
            self.observability.watch_triton(self.chute.chute_id, self.triton)
        self.chute.attach_triton(self.triton.client if self.triton else None)
        server = grpc.aio.server(options=self._grpc_options)
        service_name = self.chute.service.full_name
        server.add_generic_rpc_handlers((build_generic_handler(service_name, self.cords, self.invoker),))
        for attached in self.attached:
            name = attached.service.full_name
            invoker = self._attached_invokers[name]
            server.add_generic_rpc_handlers((build_generic_handler(name, attached.cords, invoker),))
        health_pb2_grpc.add_HealthServicer_to_server(self._health, server)
        enable_reflection(
            server, (service_name, *(a.service.full_name for a in self.attached), health.SERVICE_NAME)
        )
        self.grpc_port = server.add_insecure_port(f"{self.host}:{self._requested_port}")
        if self.grpc_port == 0:
            raise OSError(f"cannot listen for gRPC on {self.host}:{self._requested_port}")
        await self._set_health(False)
        await self._health.set(LIVENESS_SERVICE, _SERVING)
        await server.start()
        self._server = server
        self._start_watchdog()
        await _run_hooks(self.chute.startup_hooks, self.chute)
        self._hooks_done = True
        for attached in self.attached:
            await attached.start()
        if self.triton is not None:
            self.triton.add_listener(lambda _ready: asyncio.ensure_future(self._refresh()))
        await self._refresh()

    def _start_watchdog(self) -> None:
        threshold = getattr(self.chute, "loop_lag_threshold", None)
        if not threshold:
            return
        codes = {}
        for name, cord in self.cords.items():
            python = self.chute.python_cords.get(name)
            function = python.function if python is not None else cord.handler
            code = getattr(function, "__code__", None)
            if code is not None:
                codes[code] = f"cord {name}"
        for hook in (*self.chute.startup_hooks, *self.chute.shutdown_hooks):
            code = getattr(hook, "__code__", None)
            if code is not None:
                codes.setdefault(code, f"hook {getattr(hook, '__qualname__', hook)}")
        self._watchdog = LoopWatchdog(threshold, codes)
        self._watchdog.start()

    async def wait_ready(self, timeout: float | None = None) -> None:
        if self.triton is not None:
            await self.triton.wait_ready(timeout)
        await self._refresh()

    async def _start_triton(self) -> TritonService | None:
        if self._triton_spec == "embedded" and self.chute.model_repository is None:
            return None  # nothing to serve models for
        from .triton import TritonService

        service = TritonService.from_spec(self._triton_spec, self.chute.model_repository)
        await service.start()
        return service

    async def _refresh(self) -> None:
        ready = self._server is not None and self._hooks_done and (self.triton is None or self.triton.ready)
        if ready != self._ready:
            self._ready = ready
            if ready:
                log.info("chute %s ready in %.2fs", self.chute.chute_id, time.monotonic() - self._started_at)
            for listener in self._listeners:
                listener(ready)
        await self._set_health(ready)

    async def _set_health(self, ready: bool) -> None:
        status = _SERVING if ready else _NOT_SERVING
        await self._health.set("", status)
        await self._health.set(self.chute.service.full_name, status)

    async def stop(self, grace: float | None = None) -> None:
        """Refuse new calls, let in-flight ones finish within the grace period, then run shutdown hooks."""
        if self._server is None:
            return
        server, self._server = self._server, None
        self._ready = False
        await self._health.enter_graceful_shutdown()
        for listener in self._listeners:
            listener(False)
        grace = self.grace if grace is None else grace
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        # Attached services (running jobs) get the same grace, alongside the calls in flight.
        stopping = [asyncio.ensure_future(a.stop(grace)) for a in self.attached]
        await server.stop(grace)
        # The gRPC server waited for its own calls only: HTTP calls dispatched in process may still
        # need Triton, so they get what is left of the same grace period before it stops.
        if not await self.invoker.drain(max(0.0, deadline - loop.time())):
            log.warning("%d call(s) still running after the %.0fs grace", self.invoker.in_flight, grace)
        if stopping:
            await asyncio.gather(*stopping)
        try:
            if self._hooks_done:
                await _run_hooks(self.chute.shutdown_hooks, self.chute)
        finally:
            if self._watchdog is not None:
                self._watchdog.stop()
            if self.triton is not None:
                await self.triton.stop()


async def _run_hooks(hooks: tuple[Hook, ...], owner: Any) -> None:
    for hook in hooks:
        result = hook(owner)
        if inspect.isawaitable(result):
            await result
