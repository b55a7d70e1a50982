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
from ._workers import LoopPool

__all__ = ["Synthesized", "build", "pair_cords", "python_cord"]

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


def build(
    username: str, name: str, cords: Sequence[PyCord], *, workers: LoopPool | None = None
) -> Synthesized:
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
    served, twins, relay_twins = pair_cords(cords)
    service = synthesize(username, name, served, twins)
    handlers: dict[str, Callable[..., Any]] = {}
    hooks: list[Callable[[Any], Any]] = []
    for method in service.methods:
        cord = seen[method.name]
        _BY_METHOD[method.full_name] = cord
        if cord.passthrough:
            relay = Passthrough(cord, relay_twins.get(cord.rpc_name))
            handlers[method.name] = relay.relay
            hooks.append(_closer(relay))
        else:
            handlers[method.name] = make_handler(cord, message_class(method.output_type), workers)
    return Synthesized(service=service, handlers=handlers, shutdown_hooks=tuple(hooks))


def pair_cords(
    cords: Sequence[PyCord],
) -> tuple[list[PyCord], dict[str, str], dict[str, PyCord]]:
    """Cords that share a verb and path, as Chutes' templates declare them.

    A stream and a non-stream cord on one path become a ``stream_selector`` pair: the body's
    ``stream`` flag picks the streaming one (the unary cord's input needs a bool ``stream``).
    Two passthrough cords on one path become one relay that sends ``"stream": true`` bodies to the
    streaming cord's target. Returns the cords to serve as RPCs, streaming RPC -> its unary twin,
    and relay RPC -> the passthrough cord it absorbed.
    """
    groups: dict[tuple[str, str], list[PyCord]] = {}
    for cord in cords:
        groups.setdefault((cord.http_method, cord.public_api_path), []).append(cord)
    served: list[PyCord] = []
    twins: dict[str, str] = {}
    relay_twins: dict[str, PyCord] = {}
    for (verb, path), group in groups.items():
        if len(group) != 2:
            served += group  # one cord, or a clash that route compilation reports
            continue
        first, second = group
        if first.passthrough and second.passthrough:
            primary, other = (second, first) if first.stream_declared else (first, second)
            served.append(primary)
            relay_twins[primary.rpc_name] = other
        elif not first.passthrough and not second.passthrough and first.stream != second.stream:
            unary, streaming = (second, first) if first.stream else (first, second)
            _check_selector(unary, streaming, verb, path)
            served += [unary, streaming]
            twins[streaming.rpc_name] = unary.rpc_name
        else:
            served += group
    order = {id(c): n for n, c in enumerate(cords)}
    return sorted(served, key=lambda c: order[id(c)]), twins, relay_twins


def _check_selector(unary: PyCord, streaming: PyCord, verb: str, path: str) -> None:
    where = f"cords {unary.rpc_name} and {streaming.rpc_name} ({verb} {path})"
    field = unary.input_model.model_fields.get("stream") if unary.input_model is not None else None
    if field is None or field.annotation not in (bool, bool | None):
        raise ChuteDefinitionError(
            f"{where} share a path, so the body's `stream` flag must choose between them: "
            f"{unary.rpc_name}'s input needs a bool field `stream`"
        )
    if verb not in ("POST", "PUT", "PATCH"):
        raise ChuteDefinitionError(f"{where}: a stream flag travels in the body; {verb} has none")


def _closer(relay: Passthrough) -> Callable[[Any], Any]:
    def close(_owner: Any) -> Any:
        return relay.aclose()

    return close


def python_cord(method: MethodDescriptor) -> PyCord | None:
    """The Python-first declaration behind ``method``, or None for proto-first RPCs.

    ``python_cord(m).minimal_input_schema`` is the pydantic model OpenAPI shows as the minimal example.
    """
    return _BY_METHOD.get(method.full_name)
