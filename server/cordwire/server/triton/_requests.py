"""numpy inputs -> a ``TRITONSERVER_InferenceRequest``, its input buffers passed without copies.

Numeric arrays are handed to Triton by address (copied only when non-contiguous or big-endian);
the call keeps them alive until Triton releases the request. BYTES tensors are framed as
``<uint32 little-endian length><bytes>`` per element, as over KServe v2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from ctypes import c_int64
from typing import Any

import numpy as np
import numpy.typing as npt

from ._calls import ON_RELEASE, ON_RESPONSE, Call
from ._capi import DATATYPE_CODES, Flag
from ._tensors import bytes_payload, triton_datatype

__all__ = ["fill_request"]

Parameters = Mapping[str, str | int | float | bool]


def _add_input(call: Call, request: int, name: str, value: npt.ArrayLike) -> None:
    api = call.api
    array = np.asarray(value)
    datatype = triton_datatype(array)
    key = name.encode()
    payload: Any
    if datatype == "BYTES":
        payload = bytes_payload(name, array)
        address, size = payload, len(payload)
    else:
        if array.dtype.byteorder == ">" or (array.dtype.byteorder == "=" and not np.little_endian):
            array = array.astype(array.dtype.newbyteorder("<"))
        payload = np.ascontiguousarray(array)  # no copy when already C-contiguous
        address, size = payload.__array_interface__["data"][0], payload.nbytes
    shape = (c_int64 * array.ndim)(*array.shape)
    api.check(api.InferenceRequestAddInput(request, key, DATATYPE_CODES[datatype], shape, array.ndim))
    if size:
        api.check(api.InferenceRequestAppendInputData(request, key, address, size, Flag.MEMORY_CPU, 0))
    call.keep.append(payload)


def _set_parameter(call: Call, request: int, key: str, value: str | int | float | bool) -> None:
    api, name = call.api, key.encode()
    # bool before int: bool is an int subclass.
    if isinstance(value, bool):
        api.check(api.InferenceRequestSetBoolParameter(request, name, value))
    elif isinstance(value, int):
        api.check(api.InferenceRequestSetIntParameter(request, name, value))
    elif isinstance(value, float):
        api.check(api.InferenceRequestSetDoubleParameter(request, name, value))
    else:
        api.check(api.InferenceRequestSetStringParameter(request, name, str(value).encode()))


def fill_request(
    call: Call,
    allocator: int,
    inputs: Mapping[str, npt.ArrayLike],
    outputs: Sequence[str] | None,
    parameters: Parameters | None,
) -> None:
    """Inputs, requested outputs, parameters and callbacks of ``call.request``."""
    api, request = call.api, call.request
    assert request is not None
    for name, value in inputs.items():
        _add_input(call, request, name, value)
    for name in outputs or ():
        api.check(api.InferenceRequestAddRequestedOutput(request, name.encode()))
    for key, value in (parameters or {}).items():
        _set_parameter(call, request, key, value)
    api.check(api.InferenceRequestSetReleaseCallback(request, ON_RELEASE, call.id))
    api.check(api.InferenceRequestSetResponseCallback(request, allocator, call.id, ON_RESPONSE, call.id))
