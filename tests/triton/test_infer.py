"""Unary inference against the shared embedded Triton."""

from __future__ import annotations

import numpy as np
import pytest

from cordwire import Code, CordError
from cordwire.server.triton import TritonService

pytestmark = pytest.mark.triton


async def test_fp32_and_bytes_round_trip(triton: TritonService) -> None:
    floats = np.arange(6, dtype=np.float32)
    texts = np.array([b"alpha", "h\u00e9llo", b""], dtype=np.object_)
    out = await triton.client.infer("identity", {"FLOATS": floats, "TEXTS": texts})
    np.testing.assert_array_equal(out["FLOATS_OUT"], floats)
    assert out["FLOATS_OUT"].dtype == np.float32
    assert out["TEXTS_OUT"].tolist() == [b"alpha", "h\u00e9llo".encode(), b""]


async def test_selected_outputs_and_parameters(triton: TritonService) -> None:
    inputs = {"FLOATS": np.ones(3, np.float32), "TEXTS": np.array([b"x"], dtype=np.object_)}
    params = {"flag": True, "n": 3, "ratio": 0.5, "name": "x"}
    out = await triton.client.infer("identity", inputs, ["TEXTS_OUT"], parameters=params, timeout=10)
    assert list(out) == ["TEXTS_OUT"]


async def test_non_contiguous_and_big_endian_inputs(triton: TritonService) -> None:
    strided = np.arange(10, dtype=np.float32)[::2]
    big = np.arange(3, dtype=">f4")
    assert (await triton.client.infer("identity", {"FLOATS": strided}))["FLOATS_OUT"].tolist() == [
        0,
        2,
        4,
        6,
        8,
    ]
    assert (await triton.client.infer("identity", {"FLOATS": big}))["FLOATS_OUT"].tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    "inputs",
    [
        {"FLOATS": np.zeros(2, np.float64)},  # wrong dtype
        {"FLOATS": np.zeros((2, 2), np.float32)},  # wrong shape
        {"NOPE": np.zeros(2, np.float32)},  # unknown input
        {"FLOATS": np.array([1 + 2j])},  # dtype Triton has no name for
    ],
    ids=["dtype", "shape", "name", "complex"],
)
async def test_bad_input_is_invalid_argument(triton: TritonService, inputs: dict[str, np.ndarray]) -> None:
    with pytest.raises(CordError) as caught:
        await triton.client.infer("identity", inputs)
    assert caught.value.code is Code.INVALID_ARGUMENT


async def test_unknown_model_is_not_found(triton: TritonService) -> None:
    with pytest.raises(CordError) as caught:
        await triton.client.infer("no_such_model", {"FLOATS": np.zeros(1, np.float32)})
    assert caught.value.code is Code.NOT_FOUND
    assert caught.value.reason == "model_not_found"


async def test_decoupled_model_through_infer_is_failed_precondition(triton: TritonService) -> None:
    with pytest.raises(CordError) as caught:
        await triton.client.infer("counter", {"COUNT": np.array([1], np.int32)})
    assert caught.value.code is Code.FAILED_PRECONDITION


async def test_deadline_exceeded(triton: TritonService) -> None:
    with pytest.raises(CordError) as caught:
        await triton.client.infer("identity", {"FLOATS": np.zeros(1, np.float32)}, timeout=1e-6)
    assert caught.value.code is Code.DEADLINE_EXCEEDED


async def test_chute_without_models_is_ready_and_refuses_calls() -> None:
    service = TritonService.from_spec("embedded", None)
    await service.start()
    await service.wait_ready(timeout=0)
    assert service.ready
    with pytest.raises(CordError) as caught:
        await service.client.infer("identity", {"FLOATS": np.zeros(1, np.float32)})
    assert caught.value.code is Code.FAILED_PRECONDITION
    await service.stop()
    await service.stop()
