"""numpy arrays <-> KServe v2 tensors (datatype names, BYTES framing, raw little-endian buffers)."""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from tritonclient.grpc import service_pb2

from cordwire._codes import Code
from cordwire._errors import CordError

__all__ = ["bytes_payload", "decode_outputs", "encode_input", "triton_datatype"]

_DATATYPES: dict[np.dtype[Any], str] = {
    np.dtype(np.bool_): "BOOL",
    np.dtype(np.uint8): "UINT8",
    np.dtype(np.uint16): "UINT16",
    np.dtype(np.uint32): "UINT32",
    np.dtype(np.uint64): "UINT64",
    np.dtype(np.int8): "INT8",
    np.dtype(np.int16): "INT16",
    np.dtype(np.int32): "INT32",
    np.dtype(np.int64): "INT64",
    np.dtype(np.float16): "FP16",
    np.dtype(np.float32): "FP32",
    np.dtype(np.float64): "FP64",
}
# Triton always speaks little-endian; "<" keys make decoding right on any host.
_NUMPY: dict[str, np.dtype[Any]] = {name: dtype.newbyteorder("<") for dtype, name in _DATATYPES.items()}
_LENGTH = struct.Struct("<I")


def triton_datatype(array: npt.NDArray[Any]) -> str:
    """The KServe datatype name for ``array``'s dtype (object, bytes and str arrays are BYTES)."""
    if array.dtype.kind in "OSU":
        return "BYTES"
    name = _DATATYPES.get(array.dtype.newbyteorder("="))
    if name is None:
        raise CordError(Code.INVALID_ARGUMENT, f"unsupported tensor dtype {array.dtype}")
    return name


def bytes_payload(name: str, array: npt.NDArray[Any]) -> bytes:
    # BYTES tensors travel as <uint32 little-endian length><bytes> per element, in C order.
    parts: list[bytes] = []
    for item in array.flat:
        if isinstance(item, str):
            item = item.encode()
        elif not isinstance(item, bytes):
            raise CordError(
                Code.INVALID_ARGUMENT, f"tensor {name!r}: BYTES elements must be bytes or str", param=name
            )
        parts.append(_LENGTH.pack(len(item)))
        parts.append(item)
    return b"".join(parts)


def encode_input(
    name: str, value: npt.ArrayLike
) -> tuple[service_pb2.ModelInferRequest.InferInputTensor, bytes | memoryview]:
    """The tensor header and its raw contents; numeric arrays are passed as a view, never copied
    unless they are non-contiguous or big-endian."""
    array = np.asarray(value)
    datatype = triton_datatype(array)
    header = service_pb2.ModelInferRequest.InferInputTensor(name=name, datatype=datatype, shape=array.shape)
    if datatype == "BYTES":
        return header, bytes_payload(name, array)
    if array.dtype.byteorder == ">" or (array.dtype.byteorder == "=" and np.little_endian is False):
        array = array.astype(array.dtype.newbyteorder("<"))
    array = np.ascontiguousarray(array)  # no copy when already C-contiguous
    return header, memoryview(array.data).cast("B") if array.size else b""


def _split_bytes(raw: bytes, count: int) -> npt.NDArray[np.object_]:
    out = np.empty(count, dtype=np.object_)
    view = memoryview(raw)
    offset = 0
    for i in range(count):
        (length,) = _LENGTH.unpack_from(view, offset)
        offset += 4
        out[i] = bytes(view[offset : offset + length])
        offset += length
    return out


def decode_outputs(
    response: service_pb2.ModelInferResponse, wanted: Sequence[str] | None = None
) -> dict[str, npt.NDArray[Any]]:
    """The response's tensors by name; numeric arrays are read-only views of the received buffer."""
    result: dict[str, npt.NDArray[Any]] = {}
    raws: Sequence[bytes] = response.raw_output_contents
    for index, tensor in enumerate(response.outputs):
        if wanted is not None and tensor.name not in wanted:
            continue
        shape = tuple(tensor.shape)
        count = math.prod(shape)  # np.prod costs ~60x more on these tiny shapes
        raw = raws[index] if index < len(raws) else b""
        if tensor.datatype == "BYTES":
            result[tensor.name] = _split_bytes(raw, count).reshape(shape)
            continue
        dtype = _NUMPY.get(tensor.datatype)
        if dtype is None:
            raise CordError(Code.INTERNAL, f"Triton returned unsupported datatype {tensor.datatype}")
        result[tensor.name] = np.frombuffer(raw, dtype=dtype, count=count).reshape(shape)
    return result


def encode_parameters(target: Any, parameters: Mapping[str, str | int | float | bool] | None) -> None:
    """Fills a protobuf map<string, InferParameter> (bool before int: bool is an int subclass)."""
    for key, value in (parameters or {}).items():
        param = target[key]
        if isinstance(value, bool):
            param.bool_param = value
        elif isinstance(value, int):
            param.int64_param = value
        elif isinstance(value, float):
            param.double_param = value
        elif isinstance(value, str):
            param.string_param = value
        else:
            raise CordError(Code.INVALID_ARGUMENT, f"parameter {key!r} must be str, int, float or bool")
