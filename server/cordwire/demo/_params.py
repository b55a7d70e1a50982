"""Request checks shared by the routes: OpenAI's parameter ranges, and the string-or-list fields."""

from __future__ import annotations

import dataclasses
from typing import Any

from google.protobuf import struct_pb2

from cordwire import Code, CordError

__all__ = ["MAX_N", "Sampling", "derived_seed", "invalid", "sampling", "strings"]

MAX_N = 8
"""Most choices per prompt: each is a generation on a 2-core CPU, so keep requests bounded."""
MAX_STOP = 4


def invalid(message: str, param: str, reason: str | None = None) -> CordError:
    """A 400 naming the request field at fault, as OpenAI's ``error.param``."""
    return CordError(Code.INVALID_ARGUMENT, message, param=param, reason=reason)


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Sampling:
    """How to generate, checked; ``None`` leaves the model's default."""

    max_tokens: int
    temperature: float | None
    top_p: float | None
    n: int
    seed: int | None
    stop: tuple[str, ...]


def _optional(request: Any, name: str) -> Any:
    return getattr(request, name) if request.HasField(name) else None


def sampling(request: Any, *, max_tokens: int | None, max_tokens_param: str, default_max: int) -> Sampling:
    """The sampling parameters of a chat or completion request (both name them alike)."""
    if max_tokens is not None and max_tokens < 1:
        raise invalid(f"{max_tokens_param} must be at least 1, got {max_tokens}", max_tokens_param)
    temperature = _optional(request, "temperature")
    if temperature is not None and not 0.0 <= temperature <= 2.0:
        raise invalid(f"temperature must be between 0 and 2, got {temperature}", "temperature")
    top_p = _optional(request, "top_p")
    if top_p is not None and not 0.0 < top_p <= 1.0:
        raise invalid(f"top_p must be in (0, 1], got {top_p}", "top_p")
    n = _optional(request, "n")
    if n is not None and not 1 <= n <= MAX_N:
        raise invalid(f"n must be between 1 and {MAX_N}, got {n}", "n")
    # Accepted for compatibility (clients often send 0) but not applied: the model has no penalties.
    for name in ("frequency_penalty", "presence_penalty"):
        value = _optional(request, name)
        if value is not None and not -2.0 <= value <= 2.0:
            raise invalid(f"{name} must be between -2 and 2, got {value}", name)
    stop = strings(request.stop, "stop") if request.HasField("stop") else []
    if len(stop) > MAX_STOP:
        raise invalid(f"at most {MAX_STOP} stop sequences, got {len(stop)}", "stop")
    return Sampling(
        max_tokens=max_tokens if max_tokens is not None else default_max,
        temperature=temperature,
        top_p=top_p,
        n=n or 1,
        seed=_optional(request, "seed"),
        stop=tuple(s for s in stop if s),
    )


def strings(value: struct_pb2.Value, param: str) -> list[str]:
    """A JSON string or list of strings (``stop``, ``prompt``, ``input``); null counts as none."""
    kind = value.WhichOneof("kind")
    if kind in (None, "null_value"):
        return []
    if kind == "string_value":
        return [value.string_value]
    if kind == "list_value":
        items = value.list_value.values
        if all(v.WhichOneof("kind") == "string_value" for v in items):
            return [v.string_value for v in items]
        if any(v.WhichOneof("kind") in ("number_value", "list_value") for v in items):
            raise invalid(f"{param}: token arrays are not supported; send text", param)
    raise invalid(f"{param} must be a string or a list of strings", param)


def derived_seed(seed: int, index: int) -> int:
    """``seed + index`` wrapped into int64, the seed of the index-th sample of a request."""
    return (seed + index + 2**63) % 2**64 - 2**63
