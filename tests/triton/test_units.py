"""Pieces that need no running Triton: wire encoding, spec parsing, round-robin, Triton unreachable,
the library loader, error mapping."""

from __future__ import annotations

import numpy as np
import pytest
from tritonclient.grpc import service_pb2

from cordwire import Code, CordError
from cordwire.server.triton import TritonService
from cordwire.server.triton._capi import Code as TritonCode
from cordwire.server.triton._capi import TritonError
from cordwire.server.triton._libraries import needed, wheel
from cordwire.server.triton._pool import Pool
from cordwire.server.triton._process import _FATAL, free_port
from cordwire.server.triton._status import from_triton_error
from cordwire.server.triton._tensors import decode_outputs
from cordwire.server.triton._wire import build_request


def test_spliced_request_parses_as_protobuf() -> None:
    floats = np.arange(300, dtype=np.float32)  # > 127 bytes: a multi-byte length varint
    texts = np.array([b"ab", "\u00e9"], dtype=np.object_)
    call = build_request("m", {"F": floats, "T": texts}, ["F_OUT"], {"p": 1, "b": True})
    request = service_pb2.ModelInferRequest.FromString(call.payload)
    assert request.model_name == "m"
    assert [(t.name, t.datatype, list(t.shape)) for t in request.inputs] == [
        ("F", "FP32", [300]),
        ("T", "BYTES", [2]),
    ]
    assert request.raw_input_contents[0] == floats.tobytes()
    assert request.raw_input_contents[1] == b"\x02\x00\x00\x00ab\x02\x00\x00\x00\xc3\xa9"
    assert request.parameters["p"].int64_param == 1 and request.parameters["b"].bool_param is True
    assert [o.name for o in request.outputs] == ["F_OUT"]


def test_decode_outputs_round_trip() -> None:
    response = service_pb2.ModelInferResponse()
    response.outputs.add(name="A", datatype="INT64", shape=[2, 2])
    response.outputs.add(name="S", datatype="BYTES", shape=[1])
    response.raw_output_contents.extend([np.arange(4, dtype="<i8").tobytes(), b"\x01\x00\x00\x00z"])
    out = decode_outputs(response)
    assert out["A"].tolist() == [[0, 1], [2, 3]]
    assert out["S"].tolist() == [b"z"]


@pytest.mark.parametrize("spec", ["", "nohost", "host:notaport", ":80"])
def test_bad_spec_is_a_start_up_error(spec: str) -> None:
    with pytest.raises(ValueError):
        TritonService.from_spec(spec, None)


def test_round_robin_skips_unhealthy() -> None:
    pool = Pool(["a:1", "b:2", "c:3"], ())
    a, b, c = pool.endpoints
    a.healthy = b.healthy = c.healthy = True
    assert {pool.pick().address for _ in range(6)} == {"a:1", "b:2", "c:3"}  # type: ignore[union-attr]
    b.healthy = False
    assert {pool.pick().address for _ in range(6)} == {"a:1", "c:3"}  # type: ignore[union-attr]
    assert pool.pick([a, c]) is None


async def test_unreachable_triton_is_unavailable_with_retry_after() -> None:
    service = TritonService.from_spec(f"127.0.0.1:{free_port()}", None)
    await service.start()
    try:
        assert not service.ready
        with pytest.raises(TimeoutError):
            await service.wait_ready(timeout=0.3)
        with pytest.raises(CordError) as caught:
            await service.client.infer("anything", {"X": np.zeros(1, np.float32)})
        assert caught.value.code is Code.UNAVAILABLE
        assert caught.value.headers == {"Retry-After": "1"}
    finally:
        await service.stop()


@pytest.mark.parametrize(
    ("line", "fatal"),
    [
        ("Signal (11) received.", True),
        ("Signal (6) received.", True),
        ("double free or corruption (out)", True),
        ("malloc(): unsorted double linked list corrupted", True),
        ("E1202 02:06:59.121483444   12231 sync.cc:105]   ASSERTION FAILED: prior > 0", True),
        # A graceful stop prints the same kind of line: Triton drains, nobody must kill it.
        ("Signal (15) received.", False),
        ("Signal (2) received.", False),
        ('I1202 02:07:24.314475 29246 grpc_server.cc:2558] "Started GRPCInferenceService"', False),
    ],
)
def test_fatal_log_lines(line: str, fatal: bool) -> None:
    assert bool(_FATAL.search(line)) is fatal


def test_elf_dependencies_of_libtritonserver() -> None:
    # What the loader preloads from the wheel: libcurl is the one whose own dependency
    # (libnghttp2) no RUNPATH finds.
    names = needed(wheel().core)
    assert "libc.so.6" in names
    assert any(name.startswith("libcurl-") for name in names)


@pytest.mark.parametrize(
    ("code", "message", "known", "expected"),
    [
        (TritonCode.INVALID_ARG, "unexpected inference input 'NOPE'", True, Code.INVALID_ARGUMENT),
        (TritonCode.NOT_FOUND, "Request for unknown model", False, Code.NOT_FOUND),
        (TritonCode.NOT_FOUND, "Request for unknown model", True, Code.UNAVAILABLE),
        (TritonCode.UNAVAILABLE, "server is not ready", True, Code.UNAVAILABLE),
        (TritonCode.CANCELLED, "cancelled", True, Code.CANCELLED),
        (TritonCode.UNSUPPORTED, "model 'counter' is decoupled", True, Code.FAILED_PRECONDITION),
        # The Python backend's errors carry no code of their own: read like stream errors over gRPC.
        (TritonCode.INTERNAL, "Stub process 'identity_0_0' is not healthy.", True, Code.UNAVAILABLE),
        (TritonCode.INTERNAL, "bad input shape", True, Code.INVALID_ARGUMENT),
        (TritonCode.INTERNAL, "model exploded", True, Code.INTERNAL),
    ],
)
def test_triton_errors_map_to_codes(code: TritonCode, message: str, known: bool, expected: Code) -> None:
    assert from_triton_error(TritonError(code, message), "m", known).code is expected
