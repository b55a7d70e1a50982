"""Triton's in-process C API (``tritonserver.h``, API 1.34 = Triton 2.51) through ctypes.

Measured against cffi's ABI mode on one server, interleaved rounds (2-core machine): unary calls
and 4 MB tensors tie; streaming tied once ctypes callbacks keep a thread state per Triton thread
(``_buffers.py``). ctypes needs no extra dependency and nothing compiled. Functions that return
quickly are called through ``PyDLL`` (the GIL stays held): releasing it around each of the ~15
calls that build a request let Triton's callback threads cut in every time (``_submit`` 92 -> 70
µs). Calls that block (server start and stop, statistics) and ``ServerInferAsync`` release it.

Every function is an attribute named without its ``TRITONSERVER_`` prefix.
"""

from __future__ import annotations

import ctypes
import enum
from ctypes import POINTER, c_bool, c_char_p, c_double, c_int, c_int64, c_size_t, c_uint, c_uint32, c_uint64
from ctypes import c_void_p as _P
from typing import Any

from ._libraries import load_core, wheel

__all__ = ["ALLOC_FN", "BUFFER_RELEASE_FN", "RELEASE_FN", "RESPONSE_FN", "Flag", "Lib", "TritonError", "lib"]

_ERR = _P
_PP = POINTER(_P)

ALLOC_FN = ctypes.CFUNCTYPE(
    _ERR, _P, c_char_p, c_size_t, c_int, c_int64, _P, _PP, _PP, POINTER(c_int), POINTER(c_int64)
)
"""``TRITONSERVER_ResponseAllocatorAllocFn_t``."""
BUFFER_RELEASE_FN = ctypes.CFUNCTYPE(_ERR, _P, _P, _P, c_size_t, c_int, c_int64)
"""``TRITONSERVER_ResponseAllocatorReleaseFn_t``."""
RELEASE_FN = ctypes.CFUNCTYPE(None, _P, c_uint32, _P)
"""``TRITONSERVER_InferenceRequestReleaseFn_t``."""
RESPONSE_FN = ctypes.CFUNCTYPE(None, _P, c_uint32, _P)
"""``TRITONSERVER_InferenceResponseCompleteFn_t``."""


class Code(enum.IntEnum):
    """``TRITONSERVER_Error_Code``."""

    UNKNOWN = 0
    INTERNAL = 1
    NOT_FOUND = 2
    INVALID_ARG = 3
    UNAVAILABLE = 4
    UNSUPPORTED = 5
    ALREADY_EXISTS = 6
    CANCELLED = 7


class Flag(enum.IntEnum):
    """The enum values of the header that cordwire passes or tests."""

    MEMORY_CPU = 0
    MODEL_CONTROL_EXPLICIT = 2
    RESPONSE_COMPLETE_FINAL = 1
    REQUEST_RELEASE_ALL = 1
    TXN_DECOUPLED = 2


# fmt: off
DATATYPES = (
    "INVALID", "BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64",
    "FP16", "FP32", "FP64", "BYTES", "BF16",
)
# fmt: on
"""``TRITONSERVER_DataType`` by value, as KServe datatype names."""
DATATYPE_CODES = {name: code for code, name in enumerate(DATATYPES)}


class TritonError(Exception):
    """A ``TRITONSERVER_Error``: its code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = Code(code) if code in Code._value2member_map_ else Code.UNKNOWN
        self.message = message


# ServerInferAsync hands the request to Triton's scheduler, whose threads may be waiting for the
# GIL in a callback: it releases the GIL like the calls that block.
_BLOCKING = frozenset(
    {"ServerNew", "ServerStop", "ServerDelete", "ServerModelStatistics", "ServerInferAsync"}
)
_PROTOTYPES: dict[str, tuple[Any, list[Any]]] = {
    "ApiVersion": (_ERR, [POINTER(c_uint32), POINTER(c_uint32)]),
    "ErrorNew": (_ERR, [c_int, c_char_p]),
    "ErrorDelete": (None, [_ERR]),
    "ErrorCode": (c_int, [_ERR]),
    "ErrorMessage": (c_char_p, [_ERR]),
    "MessageSerializeToJson": (_ERR, [_P, POINTER(c_char_p), POINTER(c_size_t)]),
    "MessageDelete": (_ERR, [_P]),
    "ResponseAllocatorNew": (_ERR, [_PP, ALLOC_FN, BUFFER_RELEASE_FN, _P]),
    "ResponseAllocatorDelete": (_ERR, [_P]),
    "ServerOptionsNew": (_ERR, [_PP]),
    "ServerOptionsDelete": (_ERR, [_P]),
    "ServerOptionsSetServerId": (_ERR, [_P, c_char_p]),
    "ServerOptionsSetModelRepositoryPath": (_ERR, [_P, c_char_p]),
    "ServerOptionsSetModelControlMode": (_ERR, [_P, c_int]),
    "ServerOptionsSetStartupModel": (_ERR, [_P, c_char_p]),
    "ServerOptionsSetStrictModelConfig": (_ERR, [_P, c_bool]),
    "ServerOptionsSetExitOnError": (_ERR, [_P, c_bool]),
    "ServerOptionsSetExitTimeout": (_ERR, [_P, c_uint]),
    "ServerOptionsSetBackendDirectory": (_ERR, [_P, c_char_p]),
    "ServerOptionsSetRepoAgentDirectory": (_ERR, [_P, c_char_p]),
    "ServerOptionsSetLogFile": (_ERR, [_P, c_char_p]),
    "ServerOptionsSetLogInfo": (_ERR, [_P, c_bool]),
    "ServerOptionsSetLogWarn": (_ERR, [_P, c_bool]),
    "ServerOptionsSetLogError": (_ERR, [_P, c_bool]),
    "ServerOptionsSetMetrics": (_ERR, [_P, c_bool]),
    "ServerOptionsSetGpuMetrics": (_ERR, [_P, c_bool]),
    "ServerOptionsSetCpuMetrics": (_ERR, [_P, c_bool]),
    "ServerOptionsSetPinnedMemoryPoolByteSize": (_ERR, [_P, c_uint64]),
    "ServerNew": (_ERR, [_PP, _P]),
    "ServerDelete": (_ERR, [_P]),
    "ServerStop": (_ERR, [_P]),
    "ServerIsLive": (_ERR, [_P, POINTER(c_bool)]),
    "ServerModelIsReady": (_ERR, [_P, c_char_p, c_int64, POINTER(c_bool)]),
    "ServerModelTransactionProperties": (_ERR, [_P, c_char_p, c_int64, POINTER(c_uint32), _PP]),
    "ServerModelStatistics": (_ERR, [_P, c_char_p, c_int64, _PP]),
    "ServerInferAsync": (_ERR, [_P, _P, _P]),
    "InferenceRequestNew": (_ERR, [_PP, _P, c_char_p, c_int64]),
    "InferenceRequestDelete": (_ERR, [_P]),
    "InferenceRequestCancel": (_ERR, [_P]),
    "InferenceRequestAddInput": (_ERR, [_P, c_char_p, c_int, POINTER(c_int64), c_uint64]),
    "InferenceRequestAppendInputData": (_ERR, [_P, c_char_p, _P, c_size_t, c_int, c_int64]),
    "InferenceRequestAddRequestedOutput": (_ERR, [_P, c_char_p]),
    "InferenceRequestSetReleaseCallback": (_ERR, [_P, RELEASE_FN, _P]),
    "InferenceRequestSetResponseCallback": (_ERR, [_P, _P, _P, RESPONSE_FN, _P]),
    "InferenceRequestSetStringParameter": (_ERR, [_P, c_char_p, c_char_p]),
    "InferenceRequestSetIntParameter": (_ERR, [_P, c_char_p, c_int64]),
    "InferenceRequestSetBoolParameter": (_ERR, [_P, c_char_p, c_bool]),
    "InferenceRequestSetDoubleParameter": (_ERR, [_P, c_char_p, c_double]),
    "InferenceResponseDelete": (_ERR, [_P]),
    "InferenceResponseError": (_ERR, [_P]),
    "InferenceResponseOutputCount": (_ERR, [_P, POINTER(c_uint32)]),
    "InferenceResponseOutput": (
        _ERR,
        # name, datatype, shape, dim_count, base, byte_size, memory_type, memory_type_id, userp
        [
            _P,
            c_uint32,
            POINTER(c_char_p),
            POINTER(c_int),
            POINTER(POINTER(c_int64)),
            POINTER(c_uint64),
            _PP,
            POINTER(c_size_t),
            POINTER(c_int),
            POINTER(c_int64),
            _PP,
        ],
    ),
}


class Lib:
    """``libtritonserver``'s functions, loaded once per process (``lib()``)."""

    def __init__(self) -> None:
        source = wheel()
        path = str(load_core(source))
        self.wheel = source
        releasing, holding = ctypes.CDLL(path), ctypes.PyDLL(path)
        for name, (restype, argtypes) in _PROTOTYPES.items():
            function = getattr(releasing if name in _BLOCKING else holding, "TRITONSERVER_" + name)
            function.restype = restype
            function.argtypes = argtypes
            setattr(self, name, function)

    def __getattr__(self, name: str) -> Any:  # the prototypes, set in __init__ (for mypy)
        raise AttributeError(name)

    def error(self, handle: int | None) -> TritonError | None:
        """The error ``handle`` stands for, deleting it; None for success (NULL)."""
        if not handle:
            return None
        error = self.peek(handle)
        self.ErrorDelete(handle)
        return error

    def peek(self, handle: int) -> TritonError:
        """The error without deleting it (a response's own error belongs to the response)."""
        return TritonError(self.ErrorCode(handle), self.ErrorMessage(handle).decode(errors="replace"))

    def check(self, handle: int | None) -> None:
        """Raise the error ``handle`` stands for, if any."""
        error = self.error(handle)
        if error is not None:
            raise error


_LIB: Lib | None = None


def lib() -> Lib:
    """The process's one binding (loading it costs ~0.1 s, so only when Triton is embedded)."""
    global _LIB
    if _LIB is None:
        _LIB = Lib()
    return _LIB
