"""The demo model repository, exercised through a real tritonserver over gRPC."""

from __future__ import annotations

import json
import queue
import struct
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from .conftest import READY_TIMEOUT_S, Server

grpcclient = pytest.importorskip("tritonclient.grpc")

# The first test also pays for starting Triton (torch imported by three stubs): allow for a busy CI box.
pytestmark = [pytest.mark.triton, pytest.mark.timeout(240)]


# --------------------------------------------------------------------------- helpers


@dataclass
class Generation:
    texts: list[str] = field(default_factory=list)
    token_ids: list[int] = field(default_factory=list)
    finish_reason: str = ""
    prompt_tokens: int = -1
    completion_tokens: int = -1

    @property
    def text(self) -> str:
        return "".join(self.texts)


def _bytes(name: str, values: list[str]) -> Any:
    t = grpcclient.InferInput(name, [len(values)], "BYTES")
    t.set_data_from_numpy(np.array([v.encode() for v in values], dtype=np.object_))
    return t


def _scalar(name: str, value: float | int | bool, dtype: str) -> Any:
    np_type = {"INT32": np.int32, "INT64": np.int64, "FP32": np.float32, "BOOL": np.bool_}[dtype]
    t = grpcclient.InferInput(name, [1], dtype)
    t.set_data_from_numpy(np.array([value], dtype=np_type))
    return t


def lm_inputs(
    prompt: str | None = None,
    *,
    messages: list[dict[str, str]] | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    stop: list[str] | None = None,
    seed: int | None = None,
    ignore_eos: bool | None = None,
) -> list[Any]:
    inputs = []
    if prompt is not None:
        inputs.append(_bytes("prompt", [prompt]))
    if messages is not None:
        inputs.append(_bytes("messages", [json.dumps(messages)]))
    if max_tokens is not None:
        inputs.append(_scalar("max_tokens", max_tokens, "INT32"))
    if temperature is not None:
        inputs.append(_scalar("temperature", temperature, "FP32"))
    if top_p is not None:
        inputs.append(_scalar("top_p", top_p, "FP32"))
    if stop is not None:
        inputs.append(_bytes("stop", stop))
    if seed is not None:
        inputs.append(_scalar("seed", seed, "INT64"))
    if ignore_eos is not None:
        inputs.append(_scalar("ignore_eos", ignore_eos, "BOOL"))
    return inputs


class Stream:
    """One gRPC ModelStreamInfer stream; responses of all its requests land in one queue."""

    def __init__(self, url: str) -> None:
        self.client = grpcclient.InferenceServerClient(url)
        self.responses: queue.Queue[tuple[Any, Any]] = queue.Queue()
        self.client.start_stream(callback=lambda result, error: self.responses.put((result, error)))

    def send(self, inputs: list[Any]) -> None:
        self.client.async_stream_infer(
            "tiny_lm", inputs, request_id=uuid.uuid4().hex, enable_empty_final_response=True
        )

    def results(self, timeout: float = 30.0) -> Iterator[Any]:
        """Responses of the one request in flight, up to and including its final one."""
        while True:
            result, error = self.responses.get(timeout=timeout)
            if error is not None:
                raise AssertionError(f"stream error: {error}")
            yield result
            if result.get_response().parameters["triton_final_response"].bool_param:
                return

    def close(self, cancel: bool = False) -> None:
        self.client.stop_stream(cancel_requests=cancel)
        self.client.close()


def generate(server: Server, inputs: list[Any]) -> Generation:
    s = Stream(server.grpc_url)
    try:
        s.send(inputs)
        g = Generation()
        for r in s.results():
            token = int(r.as_numpy("token_id")[0])
            finish = r.as_numpy("finish_reason")[0].decode()
            g.prompt_tokens = int(r.as_numpy("prompt_tokens")[0])
            g.completion_tokens = int(r.as_numpy("completion_tokens")[0])
            if finish:
                assert token == -1 and r.as_numpy("text")[0] == b"", "the final response is a summary"
                g.finish_reason = finish
            else:
                g.texts.append(r.as_numpy("text")[0].decode())
                g.token_ids.append(token)
        assert g.finish_reason, "stream ended without a finish_reason"
        return g
    finally:
        s.close()


# --------------------------------------------------------------------------- tiny_lm

STORY = "Once upon a time, there was a little cat named Tom."


def test_greedy_is_deterministic_and_reads_like_words(triton_server: Server) -> None:
    a = generate(triton_server, lm_inputs(STORY, max_tokens=40, temperature=0.0))
    b = generate(triton_server, lm_inputs(STORY, max_tokens=40, temperature=0.0))
    assert a.text == b.text and a.token_ids == b.token_ids
    assert a.completion_tokens == len(a.token_ids) > 0
    assert a.prompt_tokens > 5
    words = a.text.split()
    assert len(words) >= 5
    # A trained model, not noise: most words are plain lower/upper-case English-looking tokens.
    wordish = [w for w in words if w.strip('.,!?"').isalpha()]
    assert len(wordish) / len(words) > 0.7, a.text


def test_max_tokens_finishes_with_length(triton_server: Server) -> None:
    g = generate(triton_server, lm_inputs(STORY, max_tokens=5, temperature=0.0, ignore_eos=True))
    assert g.finish_reason == "length"
    assert g.completion_tokens == 5 == len(g.token_ids)


def test_eos_finishes_with_stop(triton_server: Server) -> None:
    # Stories in the training corpus end with <|endoftext|>; greedy decoding reaches it.
    g = generate(triton_server, lm_inputs(STORY, max_tokens=200, temperature=0.0))
    assert g.finish_reason == "stop", g.text
    assert g.completion_tokens < 200


def test_stop_string_truncates_and_finishes_with_stop(triton_server: Server) -> None:
    full = generate(triton_server, lm_inputs(STORY, max_tokens=40, temperature=0.0, ignore_eos=True)).text
    # A stop string taken from the middle of the greedy continuation must cut the text before it.
    words = full.split(" ")
    stop = " " + words[len(words) // 2]
    expected = full[: full.index(stop)]
    g = generate(
        triton_server,
        lm_inputs(STORY, max_tokens=40, temperature=0.0, stop=["zzz-never", stop], ignore_eos=True),
    )
    assert g.finish_reason == "stop"
    assert g.text == expected
    assert stop not in g.text


def test_seed_makes_sampling_reproducible(triton_server: Server) -> None:
    def run(seed: int) -> str:
        return generate(
            triton_server,
            lm_inputs(STORY, max_tokens=30, temperature=1.2, top_p=0.95, seed=seed, ignore_eos=True),
        ).text

    a, b = run(7), run(7)
    assert a == b
    others = {run(s) for s in (8, 9, 10)}
    assert others - {a}, "different seeds should (almost surely) give a different text"


def test_chat_messages(triton_server: Server) -> None:
    g = generate(
        triton_server,
        lm_inputs(
            messages=[{"role": "user", "content": "Tell me a story about a dog."}],
            max_tokens=120,
            temperature=0.0,
        ),
    )
    assert g.text and not g.text.startswith(" ")
    assert g.finish_reason == "stop", g.text  # the answer ends with <|endoftext|>


def test_bad_request_is_an_error(triton_server: Server) -> None:
    s = Stream(triton_server.grpc_url)
    try:
        s.send(lm_inputs(max_tokens=5))  # neither prompt nor messages
        _, error = s.responses.get(timeout=30)
        assert error is not None and "prompt" in str(error)
    finally:
        s.close()


def test_cancellation_stops_generation(triton_server: Server, triton_log: Path) -> None:
    before = triton_log.read_text(errors="replace").count("tiny_lm: cancelled after")
    s = Stream(triton_server.grpc_url)
    # As long a generation as the 256-token context allows, so it is still running when cancelled.
    s.send(lm_inputs(STORY, max_tokens=240, temperature=1.0, seed=1, ignore_eos=True))
    first, error = s.responses.get(timeout=30)
    assert error is None and first is not None
    s.close(cancel=True)
    deadline = time.monotonic() + 10
    lines: list[str] = []
    while time.monotonic() < deadline:
        lines = [
            ln
            for ln in triton_log.read_text(errors="replace").splitlines()
            if "tiny_lm: cancelled after" in ln
        ]
        if len(lines) > before:
            break
        time.sleep(0.05)
    assert len(lines) > before, "the model never noticed the cancellation"
    n = int(lines[-1].rsplit("after", 1)[1].split()[0])
    assert n < 200  # the prompt leaves room for 240 tokens


def test_streaming_throughput(triton_server: Server, record_property: Any) -> None:
    start = time.perf_counter()
    g = generate(triton_server, lm_inputs(STORY, max_tokens=150, temperature=0.8, seed=3, ignore_eos=True))
    elapsed = time.perf_counter() - start
    tps = g.completion_tokens / elapsed
    record_property("tiny_lm_tokens_per_s", round(tps, 1))
    print(f"\ntiny_lm: {g.completion_tokens} tokens in {elapsed:.3f}s = {tps:.0f} tokens/s")
    assert g.completion_tokens == 150
    assert tps > 20  # generous floor for a loaded 2-core CI machine


# --------------------------------------------------------------------------- embed


def _embed(server: Server, texts: list[str]) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int32]]:
    client = grpcclient.InferenceServerClient(server.grpc_url)
    try:
        t = grpcclient.InferInput("text", [len(texts), 1], "BYTES")
        t.set_data_from_numpy(np.array([[x.encode()] for x in texts], dtype=np.object_))
        r = client.infer("embed", [t])
        return r.as_numpy("embedding"), r.as_numpy("token_count")
    finally:
        client.close()


def test_embed_shape_norm_and_similarity(triton_server: Server) -> None:
    texts = ["A man is eating food.", "A man is eating a piece of bread.", "The girl is carrying a baby."]
    emb, counts = _embed(triton_server, texts)
    assert emb.shape == (3, 384) and emb.dtype == np.float32
    assert counts.shape == (3, 1) and counts[0, 0] == 8  # [CLS] a man is eating food . [SEP]
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    # Reference value of sentence-transformers/all-MiniLM-L6-v2 for this pair.
    assert float(emb[0] @ emb[1]) == pytest.approx(0.7553, abs=2e-3)
    assert float(emb[0] @ emb[2]) < 0.2


def test_embed_batching_matches_single(triton_server: Server, record_property: Any) -> None:
    texts = [f"sentence number {i} about {w}" for i, w in enumerate(["cats", "dogs", "rain", "the sea"] * 4)]
    batch, _ = _embed(triton_server, texts)
    single, _ = _embed(triton_server, texts[3:4])
    np.testing.assert_allclose(batch[3], single[0], atol=1e-5)  # padding must not change results
    start = time.perf_counter()
    n = 10
    for _ in range(n):
        _embed(triton_server, ["The quick brown fox jumps over the lazy dog."])
    latency_ms = (time.perf_counter() - start) / n * 1000
    record_property("embed_latency_ms", round(latency_ms, 2))
    print(f"\nembed: {latency_ms:.1f} ms per single-sentence request")


def test_embed_concurrent_requests_are_batched(triton_server: Server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"text {i}" for i in range(12)]
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda t: _embed(triton_server, [t])[0][0], texts))
    alone = _embed(triton_server, texts)[0]
    np.testing.assert_allclose(np.stack(results), alone, atol=1e-5)


# --------------------------------------------------------------------------- image


def _image(server: Server, prompt: str, width: int, height: int, seed: int) -> bytes:
    client = grpcclient.InferenceServerClient(server.grpc_url)
    try:
        inputs = [
            _bytes("prompt", [prompt]),
            _scalar("width", width, "INT32"),
            _scalar("height", height, "INT32"),
            _scalar("seed", seed, "INT64"),
        ]
        return bytes(client.infer("image", inputs).as_numpy("image")[0])
    finally:
        client.close()


def _decode_png(png: bytes) -> npt.NDArray[np.uint8]:
    """Decode the 8-bit RGB, filter-0 PNGs the model writes, checking every chunk's CRC."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + data) == crc
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data)
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
        if kind == b"IEND":
            break
    assert header is not None and pos == len(png)
    w, h, depth, colour, *_ = header
    assert (depth, colour) == (8, 2)
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 3 * w)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(h, w, 3)


def test_image_png_of_requested_size(triton_server: Server) -> None:
    png = _image(triton_server, "a red fox in a green forest", 320, 200, 1)
    img = _decode_png(png)
    assert img.shape == (200, 320, 3)
    assert img.std() > 5  # a picture, not a flat fill


def test_image_is_deterministic_per_prompt_and_seed(triton_server: Server) -> None:
    a = _image(triton_server, "blue ocean", 64, 64, 5)
    assert a == _image(triton_server, "blue ocean", 64, 64, 5)
    assert a != _image(triton_server, "blue ocean", 64, 64, 6)
    assert a != _image(triton_server, "green ocean", 64, 64, 5)


def test_image_rejects_bad_size(triton_server: Server) -> None:
    from tritonclient.utils import InferenceServerException

    with pytest.raises(InferenceServerException, match="width and height"):
        _image(triton_server, "x", 5000, 64, 0)


def test_startup_time(triton_server: Server, record_property: Any) -> None:
    record_property("demo_repository_startup_s", round(triton_server.startup_s, 2))
    print(f"\ndemo repository ready in {triton_server.startup_s:.2f}s")
    # A measurement, not a benchmark gate: torch imports dominate and a busy 2-core box is slow.
    assert triton_server.startup_s < READY_TIMEOUT_S
