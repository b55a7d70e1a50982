"""``build_embedding_chute`` and ``build_image_chute``: OpenAI's embeddings and images routes."""

from __future__ import annotations

import asyncio
import base64
import pathlib
import re
import time
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from ._chute import Chute
from ._pycords import HTTPException
from ._template_llm import template_chute

__all__ = ["EmbeddingRequest", "ImageRequest", "build_embedding_chute", "build_image_chute"]


class EmbeddingRequest(BaseModel):
    input: str | list[str] = Field(..., description="A text or up to 2048 texts")
    model: str | None = None
    encoding_format: Literal["float", "base64"] = "float"


class ImageRequest(BaseModel):
    prompt: str = Field(..., min_length=1, max_length=4000)
    model: str | None = None
    n: int = Field(1, ge=1, le=4)
    size: str = Field("256x256", pattern=r"^\d{2,4}x\d{2,4}$", description="WIDTHxHEIGHT")
    seed: int | None = None
    response_format: Literal["b64_json"] = "b64_json"


def _check_model(requested: str | None, served: str) -> None:
    if requested not in (None, served):
        raise HTTPException(404, f"The model {requested!r} does not exist; this chute serves {served!r}")


def build_embedding_chute(
    *,
    username: str = "",
    name: str = "",
    model_repository: str | pathlib.Path | None = None,
    model: str = "embed",
    served_name: str | None = None,
    batch_size: int = 32,
    into: Chute | None = None,
    **chute_options: Any,
) -> Chute:
    """``POST /v1/embeddings`` over the batched Triton model ``model`` (at most ``batch_size`` rows
    per Triton request: the model's ``max_batch_size``)."""
    chute = template_chute(into, username, name, model_repository, **chute_options)
    served = served_name or model

    @chute.cord(public_api_path="/v1/embeddings", input_schema=EmbeddingRequest)
    async def create_embedding(self: Any, data: EmbeddingRequest) -> dict[str, Any]:
        _check_model(data.model, served)
        texts = [data.input] if isinstance(data.input, str) else data.input
        if not texts or len(texts) > 2048 or not all(texts):
            raise HTTPException(400, "input must be 1 to 2048 non-empty strings")
        batches = [texts[i : i + batch_size] for i in range(0, len(texts), batch_size)]
        outputs = await asyncio.gather(
            *(
                self.triton.infer(model, {"text": np.array([[t.encode()] for t in b], dtype=np.object_)})
                for b in batches
            )
        )
        vectors = np.concatenate([out["embedding"] for out in outputs]).astype(np.float32)
        tokens = int(sum(int(out["token_count"].sum()) for out in outputs))
        data_out = [
            {
                "object": "embedding",
                "index": i,
                "embedding": (
                    base64.b64encode(v.astype("<f4").tobytes()).decode()
                    if data.encoding_format == "base64"
                    else v.tolist()
                ),
            }
            for i, v in enumerate(vectors)
        ]
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return {"object": "list", "data": data_out, "model": served, "usage": usage}

    return chute


def build_image_chute(
    *,
    username: str = "",
    name: str = "",
    model_repository: str | pathlib.Path | None = None,
    model: str = "image",
    served_name: str | None = None,
    into: Chute | None = None,
    **chute_options: Any,
) -> Chute:
    """``POST /v1/images/generations`` over the Triton model ``model`` (one request per image)."""
    chute = template_chute(into, username, name, model_repository, **chute_options)
    served = served_name or model

    @chute.cord(public_api_path="/v1/images/generations", input_schema=ImageRequest)
    async def create_image(self: Any, data: ImageRequest) -> dict[str, Any]:
        _check_model(data.model, served)
        match = re.fullmatch(r"(\d+)x(\d+)", data.size)
        assert match is not None  # the pattern checked it
        base = {
            "prompt": np.array([data.prompt.encode()], dtype=np.object_),
            "width": np.array([int(match.group(1))], dtype=np.int32),
            "height": np.array([int(match.group(2))], dtype=np.int32),
        }
        seed = data.seed if data.seed is not None else int.from_bytes(np.random.bytes(4), "little")
        outputs = await asyncio.gather(
            *(
                self.triton.infer(model, {**base, "seed": np.array([seed + i], dtype=np.int64)})
                for i in range(data.n)
            )
        )
        images = [{"b64_json": base64.b64encode(bytes(out["image"][0])).decode()} for out in outputs]
        return {"created": int(time.time()), "data": images}

    return chute
