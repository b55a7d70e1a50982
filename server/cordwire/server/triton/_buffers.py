"""Output tensors: Triton writes them into numpy buffers, and handlers get views of those buffers.

The response allocator hands Triton a fresh ``np.empty`` for each output; once the response is
complete, the output arrays are views of it and the buffer lives as long as they do (numpy owns
it). No output is copied after Triton (the Python backend) filled it. BYTES outputs become object
arrays of ``bytes`` (one copy per element, as over gRPC).

The allocator, the response and the release callbacks run on Triton's threads. ctypes gives such a
thread a fresh Python thread state per callback and deletes it afterwards; ``pin_thread_state``
keeps one for the thread's life instead (as cffi does), which made streaming ~25 % cheaper in CPU
per response (NOTES of issue #15: 175 -> 133 µs per response on the 2-core machine).
"""

from __future__ import annotations

import ctypes
import math
import struct
import threading
from ctypes import byref, c_char_p, c_int, c_int64, c_size_t, c_uint32, c_uint64, c_void_p
from typing import Any

import numpy as np
import numpy.typing as npt

from ._capi import ALLOC_FN, BUFFER_RELEASE_FN, DATATYPES, Code, Flag, Lib, TritonError, lib

__all__ = ["ALLOCATE", "RELEASE_BUFFER", "decode_response", "live_buffers", "pin_thread_state"]

# fmt: off
_NUMPY: dict[str, np.dtype[Any]] = {
    name: np.dtype(code).newbyteorder("<")
    for name, code in [
        ("BOOL", "?"), ("UINT8", "u1"), ("UINT16", "u2"), ("UINT32", "u4"), ("UINT64", "u8"), ("INT8", "i1"),
        ("INT16", "i2"), ("INT32", "i4"), ("INT64", "i8"), ("FP16", "f2"), ("FP32", "f4"), ("FP64", "f8"),
    ]
}
# fmt: on
_LENGTH = struct.Struct("<I")
# Buffers Triton holds, by address; removed when it releases them (the views keep them alive).
_BUFFERS: dict[int, npt.NDArray[np.uint8]] = {}
_PINNED = threading.local()
_ENSURE = ctypes.pythonapi.PyGILState_Ensure


def pin_thread_state() -> None:
    """Keep this (Triton) thread's Python thread state: one ``PyGILState_Ensure`` never released."""
    if not getattr(_PINNED, "done", False):
        _ENSURE()
        _PINNED.done = True


def live_buffers() -> int:
    """Output buffers Triton still holds (tests: none after every call has finished)."""
    return len(_BUFFERS)


def _allocate(
    _allocator: Any,
    _name: Any,
    size: int,
    _type: Any,
    _type_id: Any,
    _userp: Any,
    buffer: Any,
    buffer_userp: Any,
    actual_type: Any,
    actual_type_id: Any,
) -> int | None:
    pin_thread_state()
    try:
        if size:
            array = np.empty(size, np.uint8)
            address = array.__array_interface__["data"][0]
            _BUFFERS[address] = array
            buffer[0] = address
        else:
            buffer[0] = None
        buffer_userp[0] = None
        actual_type[0] = Flag.MEMORY_CPU  # always host memory: handlers get numpy arrays
        actual_type_id[0] = 0
        return None
    except BaseException as exc:  # nothing may unwind into Triton's C++
        return int(lib().ErrorNew(Code.INTERNAL, f"output allocation failed: {exc}".encode()))


def _release(_allocator: Any, buffer: int | None, *_: Any) -> None:
    if buffer:
        _BUFFERS.pop(buffer, None)


ALLOCATE = ALLOC_FN(_allocate)
RELEASE_BUFFER = BUFFER_RELEASE_FN(_release)


def _split_bytes(raw: memoryview, count: int) -> npt.NDArray[np.object_]:
    out = np.empty(count, dtype=np.object_)
    offset = 0
    for i in range(count):
        (length,) = _LENGTH.unpack_from(raw, offset)
        offset += 4
        out[i] = bytes(raw[offset : offset + length])
        offset += length
    return out


class _Slots(threading.local):
    """Out-parameters of ``InferenceResponseOutput``, made once per thread (and their ``byref``s)."""

    def __init__(self) -> None:
        self.count = c_uint32()
        self.name, self.datatype, self.rank = c_char_p(), c_int(), c_uint64()
        self.shape = ctypes.POINTER(c_int64)()
        self.base, self.size = c_void_p(), c_size_t()
        self.memory, self.memory_id, self.userp = c_int(), c_int64(), c_void_p()
        self.count_ref = byref(self.count)
        # name, datatype, shape, dim_count, base, byte_size, memory_type, memory_type_id, userp
        self.refs = (
            byref(self.name), byref(self.datatype), byref(self.shape), byref(self.rank),
            byref(self.base), byref(self.size), byref(self.memory), byref(self.memory_id),
            byref(self.userp),
        )  # fmt: skip


_SLOTS = _Slots()


def decode_response(api: Lib, response: int) -> dict[str, npt.NDArray[Any]]:
    """The response's output tensors by name; numeric ones are read-only views (no copy)."""
    slots = _SLOTS
    api.check(api.InferenceResponseOutputCount(response, slots.count_ref))
    name, datatype, shape, rank, base, size = (
        slots.name, slots.datatype, slots.shape, slots.rank, slots.base, slots.size,
    )  # fmt: skip
    outputs: dict[str, npt.NDArray[Any]] = {}
    for index in range(slots.count.value):
        api.check(api.InferenceResponseOutput(response, index, *slots.refs))
        dims = tuple(shape[: rank.value])
        owner = _BUFFERS.get(base.value) if base.value else None
        if owner is not None:
            raw = owner[: size.value]
        else:  # Triton's own buffer (none seen so far): copy it before the response goes
            raw = np.frombuffer(ctypes.string_at(base.value or 0, size.value), np.uint8)
        key = (name.value or b"").decode()
        kind = DATATYPES[datatype.value]
        if kind == "BYTES":
            outputs[key] = _split_bytes(memoryview(raw.data), math.prod(dims)).reshape(dims)
            continue
        dtype = _NUMPY.get(kind)
        if dtype is None:
            raise TritonError(Code.UNSUPPORTED, f"Triton returned unsupported datatype {kind}")
        array = raw.view(dtype).reshape(dims)
        array.flags.writeable = False
        outputs[key] = array
    return outputs
