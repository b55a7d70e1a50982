"""Embeddings through the official SDK: its default base64 form, floats, and shortened vectors."""

from __future__ import annotations

import base64
import math
import struct

import openai
import pytest

from .conftest import Demo

pytestmark = pytest.mark.triton


def _norm(vector: list[float]) -> float:
    return math.sqrt(sum(x * x for x in vector))


async def test_default_is_base64_decoded_by_the_sdk(aclient: openai.AsyncOpenAI) -> None:
    reply = await aclient.embeddings.create(model="minilm-embed", input="A dog runs on the beach.")
    assert reply.object == "list" and reply.model == "minilm-embed"
    [item] = reply.data
    assert item.object == "embedding" and item.index == 0
    assert len(item.embedding) == 384
    assert _norm(item.embedding) == pytest.approx(1.0, abs=1e-5)
    assert reply.usage.prompt_tokens == reply.usage.total_tokens > 0


async def test_float_and_base64_agree(aclient: openai.AsyncOpenAI, demo: Demo) -> None:
    texts = ["a red apple", "a green pear", "the stock market fell"]
    floats = await aclient.embeddings.create(model="minilm-embed", input=texts, encoding_format="float")
    assert [d.index for d in floats.data] == [0, 1, 2]
    # On the wire, base64 is OpenAI's: little-endian float32 bytes.
    raw = await demo.running.http.post(
        "/v1/embeddings", json={"model": "minilm-embed", "input": texts, "encoding_format": "base64"}
    )
    for wire, parsed in zip(raw.json()["data"], floats.data, strict=True):
        decoded = struct.unpack("<384f", base64.b64decode(wire["embedding"]))
        assert decoded == pytest.approx(parsed.embedding, abs=1e-7)
    apple, pear, market = (d.embedding for d in floats.data)
    cosine = [sum(a * b for a, b in zip(x, y, strict=True)) for x, y in ((apple, pear), (apple, market))]
    assert cosine[0] > cosine[1]  # fruit is nearer fruit than finance: real embeddings


async def test_dimensions_truncate_and_renormalise(aclient: openai.AsyncOpenAI) -> None:
    full = await aclient.embeddings.create(model="minilm-embed", input="hello", encoding_format="float")
    short = await aclient.embeddings.create(model="minilm-embed", input="hello", dimensions=64)
    head = full.data[0].embedding[:64]
    scale = _norm(head)
    assert len(short.data[0].embedding) == 64
    assert short.data[0].embedding == pytest.approx([x / scale for x in head], abs=1e-6)


async def test_many_inputs_span_model_batches(aclient: openai.AsyncOpenAI) -> None:
    texts = [f"sentence number {i}" for i in range(40)]  # more than the model's batch of 32
    reply = await aclient.embeddings.create(model="minilm-embed", input=texts)
    assert [d.index for d in reply.data] == list(range(40))
    one = await aclient.embeddings.create(model="minilm-embed", input=texts[35])
    assert reply.data[35].embedding == pytest.approx(one.data[0].embedding, abs=1e-5)
