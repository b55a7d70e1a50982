"""The Chute: a service definition, its cord handlers, its models and its lifecycle hooks."""

from __future__ import annotations

import pathlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from google.protobuf.descriptor import ServiceDescriptor

from ._cords import ChuteDefinitionError, Cord, Handler, bind_cord
from ._protos import resolve_service

if TYPE_CHECKING:
    from .server.triton import TritonClient

__all__ = ["Chute", "ChuteDefinitionError", "Hook"]

Hook = Callable[[Any], Awaitable[None] | None]
F = TypeVar("F", bound=Callable[..., Any])


class Chute:
    """A service whose RPCs ("cords") run the handlers registered with :meth:`cord`.

    Handlers receive the chute itself as ``self``: state set in an ``on_startup`` hook is there
    for every call, and ``self.triton`` reaches the chute's models.
    """

    def __init__(
        self,
        username: str,
        name: str,
        service: ServiceDescriptor | str,
        model_repository: str | pathlib.Path | None = None,
    ) -> None:
        if not username or not name:
            raise ChuteDefinitionError("a chute needs a username and a name")
        self.username = username
        self.name = name
        self.service = resolve_service(service)
        self.model_repository = pathlib.Path(model_repository).resolve() if model_repository else None
        self._handlers: dict[str, Handler] = {}
        self._startup: list[Hook] = []
        self._shutdown: list[Hook] = []
        self._triton: TritonClient | None = None

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

    def cord(self, rpc_name: str) -> Callable[[F], F]:
        """Register the handler of the service's RPC ``rpc_name``."""
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

    def on_startup(self) -> Callable[[F], F]:
        """Register a hook run (in order) before the chute reports ready."""
        return self._hook(self._startup)

    def on_shutdown(self) -> Callable[[F], F]:
        """Register a hook run (in reverse order) when the chute stops, on signals too."""
        return self._hook(self._shutdown)

    @staticmethod
    def _hook(hooks: list[Hook]) -> Callable[[F], F]:
        def register(fn: F) -> F:
            hooks.append(fn)
            return fn

        return register

    @property
    def startup_hooks(self) -> tuple[Hook, ...]:
        return tuple(self._startup)

    @property
    def shutdown_hooks(self) -> tuple[Hook, ...]:
        return tuple(reversed(self._shutdown))

    def cords(self) -> dict[str, Cord]:
        """Every RPC bound to its handler; a missing handler is a start-up error."""
        missing = [m for m in self.service.methods_by_name if m not in self._handlers]
        if missing:
            raise ChuteDefinitionError(
                f"chute {self.chute_id!r}: no handler for {', '.join(missing)} "
                f"(register each with @chute.cord('RpcName'))"
            )
        return {name: bind_cord(self.service.methods_by_name[name], h) for name, h in self._handlers.items()}
