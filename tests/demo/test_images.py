"""Image generation through the official SDK: base64 PNGs of the size asked."""

from __future__ import annotations

import base64
import struct
import zlib

import openai
import pytest

pytestmark = pytest.mark.triton


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    ihdr = data[16:29]
    assert struct.unpack(">I", data[29:33])[0] == zlib.crc32(b"IHDR" + ihdr)
    width, height = struct.unpack(">II", ihdr[:8])
    return width, height


async def test_image_of_the_size_asked(aclient: openai.AsyncOpenAI) -> None:
    reply = await aclient.images.generate(
        model="tiny-image", prompt="a blue sea", size="256x256", response_format="b64_json", n=2
    )
    assert len(reply.data) == 2
    pngs = [base64.b64decode(image.b64_json or "") for image in reply.data]
    assert [_png_size(png) for png in pngs] == [(256, 256), (256, 256)]
    assert pngs[0] != pngs[1]  # n images are n samples


async def test_seed_and_odd_sizes(aclient: openai.AsyncOpenAI) -> None:
    # `seed` is the demo's extension to OpenAI's request: same prompt, size and seed, same PNG.
    replies = [
        await aclient.images.generate(prompt="sunset", size="64x32", extra_body={"seed": 5})  # type: ignore[arg-type]
        for _ in range(2)
    ]
    first, second = (r.data[0].b64_json or "" for r in replies)
    assert first == second
    assert _png_size(base64.b64decode(first)) == (64, 32)
