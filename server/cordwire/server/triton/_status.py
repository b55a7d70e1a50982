"""Triton failures as CordErrors.

Choices a handler's caller sees:
- a model the chute's repository does not name is NOT_FOUND (reason ``model_not_found``): it will
  not appear by retrying. A model the repository names but Triton cannot serve right now (loading,
  restarting, missing on one external endpoint) is UNAVAILABLE with ``Retry-After``.
- bad input name, shape or dtype is INVALID_ARGUMENT; Triton down or unreachable is UNAVAILABLE with
  ``Retry-After``; a passed deadline is DEADLINE_EXCEEDED.
"""

from __future__ import annotations

import grpc

from cordwire._codes import Code
from cordwire._errors import CordError

from ._capi import Code as TritonCode
from ._capi import TritonError

__all__ = [
    "RETRY_AFTER_SECONDS",
    "from_rpc_error",
    "from_stream_error",
    "from_triton_error",
    "not_found",
    "unavailable",
]

RETRY_AFTER_SECONDS = 1

_FROM_GRPC: dict[grpc.StatusCode, Code] = {
    grpc.StatusCode.INVALID_ARGUMENT: Code.INVALID_ARGUMENT,
    grpc.StatusCode.DEADLINE_EXCEEDED: Code.DEADLINE_EXCEEDED,
    grpc.StatusCode.CANCELLED: Code.CANCELLED,
    grpc.StatusCode.RESOURCE_EXHAUSTED: Code.RESOURCE_EXHAUSTED,
    grpc.StatusCode.OUT_OF_RANGE: Code.INVALID_ARGUMENT,
    # Decoupled model called through unary infer(): the handler should use stream().
    grpc.StatusCode.UNIMPLEMENTED: Code.FAILED_PRECONDITION,
    grpc.StatusCode.FAILED_PRECONDITION: Code.FAILED_PRECONDITION,
}


def unavailable(message: str) -> CordError:
    return CordError(
        Code.UNAVAILABLE,
        message,
        reason="model_unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def not_found(model: str) -> CordError:
    return CordError(
        Code.NOT_FOUND, f"model {model!r} does not exist", param="model", reason="model_not_found"
    )


def is_retryable(error: CordError) -> bool:
    """Worth sending to another endpoint (nothing was received from this one)."""
    return error.code is Code.UNAVAILABLE


def from_rpc_error(error: grpc.aio.AioRpcError, model: str, known_model: bool) -> CordError:
    """Map a failed Triton call. ``known_model``: the chute's repository names ``model``."""
    code, details = error.code(), error.details() or ""
    if code == grpc.StatusCode.UNAVAILABLE:
        return unavailable(f"Triton unavailable for model {model!r}: {details}")
    if code == grpc.StatusCode.NOT_FOUND:
        return unavailable(f"model {model!r} is not loaded: {details}") if known_model else not_found(model)
    mapped = _FROM_GRPC.get(code, Code.INTERNAL)
    return CordError(mapped, f"model {model!r}: {details}")


def from_stream_error(message: str, model: str, known_model: bool) -> CordError:
    """Map a stream response's ``error_message`` (stream errors carry no status code)."""
    lowered = message.lower()
    if "unknown model" in lowered or "is not found" in lowered:
        return unavailable(f"model {model!r} is not loaded: {message}") if known_model else not_found(model)
    if "not ready" in lowered or "unavailable" in lowered:
        return unavailable(f"model {model!r}: {message}")
    if "unexpected" in lowered or "expects" in lowered or "input" in lowered or "shape" in lowered:
        return CordError(Code.INVALID_ARGUMENT, f"model {model!r}: {message}")
    return CordError(Code.INTERNAL, f"model {model!r}: {message}")


_FROM_TRITON: dict[TritonCode, Code] = {
    TritonCode.INVALID_ARG: Code.INVALID_ARGUMENT,
    TritonCode.CANCELLED: Code.CANCELLED,
    TritonCode.ALREADY_EXISTS: Code.ALREADY_EXISTS,
    # A decoupled model called through unary infer(): the handler should use stream().
    TritonCode.UNSUPPORTED: Code.FAILED_PRECONDITION,
}


def from_triton_error(error: TritonError, model: str, known_model: bool) -> CordError:
    """Map an in-process Triton error; like over gRPC, a model's own error (INTERNAL, no code of
    its own from the Python backend) is read for what it says about the inputs."""
    if error.code is TritonCode.UNAVAILABLE:
        return unavailable(f"Triton unavailable for model {model!r}: {error.message}")
    if error.code is TritonCode.NOT_FOUND:
        return (
            unavailable(f"model {model!r} is not loaded: {error.message}")
            if known_model
            else not_found(model)
        )
    if "is not healthy" in error.message:  # the model's stub process died: this process is replaced
        return unavailable(f"model {model!r}: {error.message}")
    mapped = _FROM_TRITON.get(error.code)
    if mapped is None:
        return from_stream_error(error.message, model, known_model)
    return CordError(mapped, f"model {model!r}: {error.message}")
