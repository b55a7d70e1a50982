"""The Chute: a service definition, its cord handlers, its models and its lifecycle hooks."""

from __future__ import annotations

import logging
import pathlib
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import pydantic
from google.protobuf.descriptor import ServiceDescriptor

from ._cords import ChuteDefinitionError, Cord, Handler, bind_cord
from ._protos import resolve_service

if TYPE_CHECKING:
    from ._asgi_chute import ChuteApp
    from ._pycords import LoopPool, PyCord
    from .jobs import JobSpec
    from .server.triton import TritonClient

__all__ = ["Chute", "ChuteDefinitionError", "Hook"]

Hook = Callable[[Any], Awaitable[None] | None]
F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("cordwire")
_LAST = 1_000_000  # cordwire's own shutdown hooks (passthrough pools) run after the user's
_WARNED: set[tuple[str, str]] = set()


def warn_ignored(where: str, options: Mapping[str, Any]) -> None:
    """Chutes platform options (node selectors, images, scaling...) mean nothing on one machine:
    accepted, and each named once in the log so that a typo does not pass unseen."""
    for name in options:
        if (where, name) not in _WARNED:
            _WARNED.add((where, name))
            log.warning("%s option %r has no meaning on cordwire (one machine); ignored", where, name)


class State:
    """An attribute bag for a chute's own state: nothing in it belongs to cordwire."""

    def __repr__(self) -> str:
        return f"State({vars(self)!r})"


class Chute:
    """A service whose RPCs ("cords") run the handlers registered with :meth:`cord`.

    Handlers receive the chute itself as ``self``: state set in an ``on_startup`` hook is there
    for every call, and ``self.triton`` reaches the chute's models.

    Without ``service``, the chute is Python-first: its cords are declared with
    ``@chute.cord(public_api_path=...)`` and cordwire synthesizes their service the first time
    :attr:`service` is needed (when the chute is served, listed or exported).
    """

    def __init__(
        self,
        username: str,
        name: str,
        service: ServiceDescriptor | str | None = None,
        model_repository: str | pathlib.Path | None = None,
        image: Any = None,
        *,
        concurrency: int | None = None,
        passthrough_headers: Mapping[str, str] | None = None,
        async_in_threads: bool | int = False,
        loop_lag_threshold: float | None = 0.1,
        **platform_options: Any,
    ) -> None:
        if not username or not name:
            raise ChuteDefinitionError("a chute needs a username and a name")
        if concurrency is not None and concurrency < 1:
            raise ChuteDefinitionError(f"concurrency must be at least 1, not {concurrency}")
        self.username = username
        self.name = name
        self.image = image
        """The chutes platform's build image; recorded for compatibility, unused by cordwire."""
        self.concurrency = concurrency
        """Calls in flight beyond which more get 429 + Retry-After (Chutes' option); None: no bound."""
        self.passthrough_headers: dict[str, str] = dict(passthrough_headers or {})
        """Headers added to every passthrough request (Chutes' ``passthrough_headers``)."""
        self.async_in_threads = (
            int(async_in_threads)
            if not isinstance(async_in_threads, bool)
            else (4 if async_in_threads else 0)
        )
        """Worker threads (each with its own event loop) that run async Python-first cords; 0: none."""
        self.loop_lag_threshold = loop_lag_threshold
        """Seconds a cord may hold the serving loop before the watchdog logs it with its stack; None: off."""
        warn_ignored("Chute", platform_options)
        self.platform_options = dict(platform_options)
        """Options that only mean something on the Chutes platform (node_selector, ...), kept as given."""
        self._service = resolve_service(service) if service is not None else None
        self._python_first = service is None
        self._pycords: list[PyCord] = []
        self.model_repository = pathlib.Path(model_repository).resolve() if model_repository else None
        self._handlers: dict[str, Handler] = {}
        self._startup: list[tuple[int, Hook]] = []
        self._shutdown: list[tuple[int, Hook]] = []
        self._triton: TritonClient | None = None
        self._workers: LoopPool | None = None
        self._asgi: ChuteApp | None = None
        self._jobs: dict[str, JobSpec] = {}
        self.state = State()
        """Per-chute state for hooks and handlers (``self.state.model = ...``), as Starlette's app.state."""
        self._seal()

    @property
    def chute_id(self) -> str:
        """How the chute is addressed: ``{username}-{name}``."""
        return f"{self.username}-{self.name}"

    @property
    def triton(self) -> TritonClient:
        """The client for the chute's Triton models; set by the runtime before start-up hooks run."""
        if self._triton is None:
            raise RuntimeError("self.triton is available once the chute is being served")
        return self._triton

    def attach_triton(self, client: TritonClient | None) -> None:
        self._triton = client

    @property
    def service(self) -> ServiceDescriptor:
        """The chute's service: given, or synthesized from its Python-first cords (once)."""
        if self._service is None:
            from ._pycords import build

            built = build(self.username, self.name, self._pycords, workers=self.workers)
            self._handlers.update(built.handlers)
            self._shutdown.extend((_LAST, hook) for hook in built.shutdown_hooks)
            self._service = built.service
        return self._service

    @property
    def workers(self) -> LoopPool | None:
        """The threads that run async cords when ``async_in_threads`` is set (started on first use)."""
        if self._workers is None and self.async_in_threads:
            from ._pycords import LoopPool

            self._workers = LoopPool(self.async_in_threads, name=f"{self.chute_id}-async")
        return self._workers

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """A chute is an ASGI application: ``uvicorn.run(chute)``, ``httpx.ASGITransport(app=chute)``."""
        if self._asgi is None:
            from ._asgi_chute import ChuteApp

            self._asgi = ChuteApp(self)
        await self._asgi(scope, receive, send)

    async def aclose(self) -> None:
        """Stop what serving the chute as an ASGI app started (lifespan's shutdown does the same;
        without lifespan, the end of the event loop does)."""
        if self._asgi is not None:
            await self._asgi.stop()

    @property
    def python_cords(self) -> dict[str, PyCord]:
        """Python-first cords by RPC name (empty for a chute with a proto service)."""
        return {c.rpc_name: c for c in self._pycords}

    def cord(
        self,
        rpc_name: str | None = None,
        *,
        public_api_path: str | None = None,
        method: str = "POST",
        input_schema: type[pydantic.BaseModel] | None = None,
        minimal_input_schema: type[pydantic.BaseModel] | None = None,
        output_content_type: str | None = None,
        output_schema: type[pydantic.BaseModel] | None = None,
        stream: bool = False,
        passthrough: bool = False,
        passthrough_path: str | None = None,
        passthrough_port: int | None = None,
        passthrough_headers: Mapping[str, str] | None = None,
        path: str | None = None,
        public_api_method: str | None = None,
        timeout: float | None = None,
        max_body_bytes: int | None = None,
        **platform_options: Any,
    ) -> Callable[[F], F]:
        """Register a cord.

        With a service: ``@chute.cord("RpcName")`` binds the handler ``(self, request, context)``
        of that RPC. Without one, the seeds' form: ``@chute.cord(public_api_path="/predict")``
        on a function with ordinary parameters, from which the RPC is synthesized. Chutes'
        spellings are aliases: ``path`` for ``public_api_path`` (when that is not given) and
        ``public_api_method`` for ``method``; ``timeout`` is in seconds.
        """
        warn_ignored("cord", platform_options)
        if rpc_name is None:
            return self._python_cord(
                {
                    "public_api_path": public_api_path or path,
                    "method": public_api_method or method,
                    "input_schema": input_schema,
                    "minimal_input_schema": minimal_input_schema,
                    "output_content_type": output_content_type,
                    "output_schema": output_schema,
                    "stream": stream,
                    "passthrough": passthrough,
                    "passthrough_path": passthrough_path,
                    "passthrough_port": passthrough_port,
                    "passthrough_headers": {**self.passthrough_headers, **(passthrough_headers or {})},
                    "timeout": timeout,
                    "max_body_bytes": max_body_bytes,
                }
            )
        if self._python_first:
            raise ChuteDefinitionError(
                f"chute {self.chute_id!r} has no proto service, so cord {rpc_name!r} cannot name an RPC; "
                "declare it with @chute.cord(public_api_path=...)"
            )
        return self._rpc_cord(rpc_name)

    def _python_cord(self, options: dict[str, Any]) -> Callable[[F], F]:
        if not self._python_first:
            raise ChuteDefinitionError(
                f"chute {self.chute_id!r} serves the proto service {self.service.full_name}: "
                "bind its RPCs with @chute.cord('RpcName')"
            )
        if self._service is not None:
            raise ChuteDefinitionError(
                f"chute {self.chute_id!r}: cords must be declared before the chute is served or exported"
            )

        def register(function: F) -> F:
            from ._pycords import analyse

            self._pycords.append(analyse(function, **options))  # checked now, not at the first call
            return function

        return register

    def _rpc_cord(self, rpc_name: str) -> Callable[[F], F]:
        if rpc_name not in self.service.methods_by_name:
            known = ", ".join(sorted(self.service.methods_by_name)) or "none"
            raise ChuteDefinitionError(
                f"{rpc_name!r} is not an RPC of {self.service.full_name} (its RPCs: {known})"
            )
        if rpc_name in self._handlers:
            raise ChuteDefinitionError(f"cord {rpc_name!r} has two handlers")

        def register(handler: F) -> F:
            bind_cord(self.service.methods_by_name[rpc_name], handler)  # fail now, not at the first call
            self._handlers[rpc_name] = handler
            return handler

        return register

    def job(self, *, timeout: float | None = None, upload: bool = True) -> Callable[[F], F]:
        """Register a job: long-running work started by ``POST /jobs/{name}`` (cordwire.jobs).

        The function takes ``self`` and keyword arguments from the request; ``output_dir`` is the
        folder for its files. ``timeout`` in seconds (None: no limit); ``upload``: keep the files.
        """

        def register(function: F) -> F:
            from .jobs import analyse_job

            spec = analyse_job(function, timeout=timeout, upload=upload)
            if spec.name in self._jobs:
                raise ChuteDefinitionError(f"chute {self.chute_id!r} has two jobs named {spec.name!r}")
            self._jobs[spec.name] = spec
            return function

        return register

    @property
    def jobs(self) -> dict[str, JobSpec]:
        """The chute's jobs by name."""
        return dict(self._jobs)

    def on_startup(self, priority: int = 50) -> Callable[[F], F]:
        """Register a hook run before the chute reports ready: lower ``priority`` first, then in order."""
        return self._hook(self._startup, priority)

    def on_shutdown(self, priority: int = 50) -> Callable[[F], F]:
        """Register a hook run when the chute stops, on signals too: lower ``priority`` first, then
        the last registered first."""
        return self._hook(self._shutdown, priority)

    @staticmethod
    def _hook(hooks: list[tuple[int, Hook]], priority: int) -> Callable[[F], F]:
        def register(fn: F) -> F:
            hooks.append((priority, fn))
            return fn

        return register

    @property
    def startup_hooks(self) -> tuple[Hook, ...]:
        return tuple(hook for _, hook in sorted(self._startup, key=lambda entry: entry[0]))

    @property
    def shutdown_hooks(self) -> tuple[Hook, ...]:
        ordered = sorted(reversed(self._shutdown), key=lambda entry: entry[0])  # stable: ties newest first
        return tuple(hook for _, hook in ordered)

    def cords(self) -> dict[str, Cord]:
        """Every RPC bound to its handler; a missing handler is a start-up error."""
        missing = [m for m in self.service.methods_by_name if m not in self._handlers]
        if missing:
            raise ChuteDefinitionError(
                f"chute {self.chute_id!r}: no handler for {', '.join(missing)} "
                f"(register each with @chute.cord('RpcName'))"
            )
        return {name: bind_cord(self.service.methods_by_name[name], h) for name, h in self._handlers.items()}

    def rpc(self, rpc_name: str) -> Callable[[F], F]:
        """Bind the handler ``(self, request, context)`` of the service's RPC ``rpc_name``.

        The proto-first entry point (``@chute.cord("RpcName")`` is the same); Python-first cords,
        whose RPCs cordwire synthesizes, are declared with ``@chute.cord(public_api_path=...)``.
        """
        return self.cord(rpc_name)

    def _seal(self) -> None:
        # From here on, cordwire's own attributes cannot be replaced by user code by accident (hooks
        # set state on `self`, as the Chutes SDK does: a hook's `self.name = ...` would rename the chute).
        # `state` is the user's own (Chutes code may replace it whole); everything else public is ours.
        reserved = {n for n in (*vars(self), *dir(type(self))) if not n.startswith("_")} - {"state"}
        object.__setattr__(self, "_reserved", frozenset(reserved))

    def __setattr__(self, name: str, value: Any) -> None:
        if name in getattr(self, "_reserved", ()):
            raise AttributeError(
                f"{name!r} is cordwire's attribute of chute {self.chute_id!r}: "
                f"keep your own state under another name, or in self.state.{name}"
            )
        object.__setattr__(self, name, value)
