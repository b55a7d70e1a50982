"""From a chute's Python-first cords to a served service: descriptors, handlers and hooks."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor

from cordwire._cords import ChuteDefinitionError
from cordwire._protos import message_class

from ._adapters import make_handler
from ._passthrough import Passthrough
from ._signature import PyCord
from ._synth import synthesize

__all__ = ["Synthesized", "build", "python_cord"]

# Method full name -> its PyCord: how the gateway (OpenAPI) finds what only Python knows, such as
# minimal_input_schema, from the descriptors it is given.
_BY_METHOD: dict[str, PyCord] = {}


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Synthesized:
    service: ServiceDescriptor
    """The synthesized service, in the default pool."""
    handlers: dict[str, Callable[..., Any]]
    """RPC name -> ``(self, request, context)`` handler."""
    shutdown_hooks: tuple[Callable[[Any], Any], ...]
    """Hooks that release what the handlers hold (passthrough connection pools)."""


def build(username: str, name: str, cords: Sequence[PyCord]) -> Synthesized:
    if not cords:
        raise ChuteDefinitionError(
            f"chute {username}-{name} has no service and no cords: pass service=... or declare "
            "cords with @chute.cord(public_api_path=...)"
        )
    seen: dict[str, PyCord] = {}
    for cord in cords:
        if cord.rpc_name in seen:
            raise ChuteDefinitionError(
                f"two cords are named {cord.rpc_name!r} (RPC names come from function names)"
            )
        seen[cord.rpc_name] = cord
    service = synthesize(username, name, cords)
    handlers: dict[str, Callable[..., Any]] = {}
    hooks: list[Callable[[Any], Any]] = []
    for method in service.methods:
        cord = seen[method.name]
        _BY_METHOD[method.full_name] = cord
        if cord.passthrough:
            relay = Passthrough(cord)
            handlers[method.name] = relay.relay
            hooks.append(_closer(relay))
        else:
            handlers[method.name] = make_handler(cord, message_class(method.output_type))
    return Synthesized(service=service, handlers=handlers, shutdown_hooks=tuple(hooks))


def _closer(relay: Passthrough) -> Callable[[Any], Any]:
    def close(_owner: Any) -> Any:
        return relay.aclose()

    return close


def python_cord(method: MethodDescriptor) -> PyCord | None:
    """The Python-first declaration behind ``method``, or None for proto-first RPCs.

    ``python_cord(m).minimal_input_schema`` is the pydantic model OpenAPI shows as the minimal example.
    """
    return _BY_METHOD.get(method.full_name)
