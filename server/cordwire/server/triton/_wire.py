"""Inference requests on the wire: the protobuf header plus raw tensor buffers spliced in unserialized.

Protobuf's Python runtime only takes ``bytes`` for ``raw_input_contents``, which would copy every
tensor once into ``bytes`` and again into the serialized message. Repeated fields may be appended to
a serialized message as plain ``tag length value`` records, so we serialize the small header and
join the tensor buffers (numpy memoryviews) after it: one copy, done by ``bytes.join``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy.typing as npt
from tritonclient.grpc import service_pb2

from ._tensors import encode_input, encode_parameters

__all__ = ["InferCall", "build_request", "serialize_request"]

# Field 7 of ModelInferRequest (raw_input_contents), wire type 2 (length-delimited).
_RAW_INPUT_TAG = bytes([(7 << 3) | 2])


@dataclass(frozen=True, slots=True, kw_only=True)
class InferCall:
    """A request ready to send: serialized once, resendable to another endpoint."""

    model: str
    """The model's name (for error messages)."""
    payload: bytes
    """The serialized ``ModelInferRequest``."""


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def build_request(
    model: str,
    inputs: Mapping[str, npt.ArrayLike],
    outputs: Sequence[str] | None,
    parameters: Mapping[str, str | int | float | bool] | None,
    *,
    streaming: bool = False,
) -> InferCall:
    """Serialize a ``ModelInferRequest`` for ``model``."""
    header = service_pb2.ModelInferRequest(model_name=model)
    encode_parameters(header.parameters, parameters)
    if streaming:
        # The stream's end then arrives as a response flagged triton_final_response.
        header.parameters["triton_enable_empty_final_response"].bool_param = True
    raws: list[bytes | memoryview] = []
    for name, value in inputs.items():
        tensor, raw = encode_input(name, value)
        header.inputs.append(tensor)
        raws.append(raw)
    for name in outputs or ():
        header.outputs.add(name=name)
    return InferCall(model=model, payload=serialize_request(header, raws))


def serialize_request(header: service_pb2.ModelInferRequest, raws: Sequence[bytes | memoryview]) -> bytes:
    """``header`` serialized with ``raws`` appended as its ``raw_input_contents``."""
    parts: list[Any] = [header.SerializeToString()]
    for raw in raws:
        parts.append(_RAW_INPUT_TAG)
        parts.append(_varint(len(raw)))  # memoryviews here are cast to bytes ("B"): len is nbytes
        parts.append(raw)
    return b"".join(parts)
