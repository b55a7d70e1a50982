"""``/v1/images/generations``: the seeded CPPN painter's PNGs, base64 in JSON."""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
import time
from typing import Any

import numpy as np

from cordwire.openai.v1 import openai_pb2 as pb

from ._models import Kind, resolve
from ._params import derived_seed, invalid

__all__ = ["create_image"]

DEFAULT_MODEL = "tiny-image"  # OpenAI's `model` is optional here too
DEFAULT_SIZE = "1024x1024"
MIN_SIDE, MAX_SIDE = 16, 1024  # what the image model accepts
MAX_IMAGES = 4
MAX_PROMPT = 4000
_SIZE = re.compile(r"(\d{1,4})x(\d{1,4})")


def _size(size: str) -> tuple[int, int]:
    # `auto` is the newer OpenAI models' way to say "your choice".
    match = _SIZE.fullmatch(DEFAULT_SIZE if size in ("", "auto") else size)
    width, height = (int(match[1]), int(match[2])) if match else (0, 0)
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise invalid(
            f"size must be WIDTHxHEIGHT with each side {MIN_SIDE} to {MAX_SIDE} (e.g. 256x256, 512x512, "
            f"1024x1024); got {size!r}",
            "size",
        )
    return width, height


def _check(request: pb.CreateImageRequest) -> None:
    if not request.prompt.strip():
        raise invalid("prompt must not be empty", "prompt")
    if len(request.prompt) > MAX_PROMPT:
        raise invalid(f"prompt may be at most {MAX_PROMPT} characters", "prompt")
    if request.HasField("n") and not 1 <= request.n <= MAX_IMAGES:
        raise invalid(f"n must be between 1 and {MAX_IMAGES}, got {request.n}", "n")
    if request.response_format == "url":
        raise invalid(
            "response_format 'url' is not supported: this chute hosts no files; use 'b64_json'",
            "response_format",
        )
    if request.response_format not in ("", "b64_json"):
        raise invalid(
            f"response_format must be 'b64_json', got {request.response_format!r}", "response_format"
        )
    if request.output_format not in ("", "png"):
        raise invalid(f"output_format must be 'png', got {request.output_format!r}", "output_format")


async def create_image(self: Any, request: pb.CreateImageRequest, context: Any) -> pb.ImagesResponse:
    model = resolve(request.model or DEFAULT_MODEL, Kind.IMAGE)
    context.add_usage(model=model.id)  # no tokens: images are counted as requests
    _check(request)
    width, height = _size(request.size)
    # No seed: a fresh one, so repeated calls give different images as OpenAI's do.
    seed = request.seed if request.HasField("seed") else secrets.randbits(62)
    base = {
        "prompt": np.array([request.prompt.encode()], dtype=np.object_),
        "width": np.array([width], dtype=np.int32),
        "height": np.array([height], dtype=np.int32),
    }
    outputs = await asyncio.gather(
        *(
            self.triton.infer(
                model.triton, {**base, "seed": np.array([derived_seed(seed, i)], dtype=np.int64)}
            )
            for i in range(request.n if request.HasField("n") else 1)
        )
    )
    images = [pb.Image(b64_json=base64.b64encode(out["image"][0]).decode()) for out in outputs]
    return pb.ImagesResponse(created=int(time.time()), data=images)
