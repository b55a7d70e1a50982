"""``/v1/embeddings``: all-MiniLM-L6-v2 vectors as floats or base64, optionally shortened."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import numpy as np
import numpy.typing as npt
from google.protobuf import struct_pb2

from cordwire.openai.v1 import openai_pb2 as pb

from ._models import Kind, resolve
from ._params import invalid, strings

__all__ = ["create_embedding"]

DIMENSIONS = 384  # the model's output width
BATCH = 32  # the Triton model's max_batch_size
MAX_INPUTS = 2048  # OpenAI's limit per request
FORMATS = ("float", "base64")


def _texts(request: pb.CreateEmbeddingRequest) -> list[str]:
    texts = strings(request.input, "input") if request.HasField("input") else []
    if not texts:
        raise invalid("input must be a non-empty string or a non-empty list of strings", "input")
    if len(texts) > MAX_INPUTS:
        raise invalid(f"input may hold at most {MAX_INPUTS} strings, got {len(texts)}", "input")
    for i, text in enumerate(texts):
        if not text:
            raise invalid(f"input[{i}] is empty; every input must be a non-empty string", "input")
    return texts


def _dimensions(request: pb.CreateEmbeddingRequest) -> int:
    if not request.HasField("dimensions"):
        return DIMENSIONS
    if not 1 <= request.dimensions <= DIMENSIONS:
        raise invalid(
            f"dimensions must be between 1 and {DIMENSIONS}, got {request.dimensions}", "dimensions"
        )
    return request.dimensions


def _value(vector: npt.NDArray[np.float32], encoding: str) -> struct_pb2.Value:
    value = struct_pb2.Value()
    if encoding == "base64":
        # OpenAI's base64 form: the little-endian float32 bytes, which its SDKs decode with numpy.
        value.string_value = base64.b64encode(vector.astype("<f4").tobytes()).decode()
    else:
        value.list_value.extend(vector.tolist())
    return value


async def create_embedding(
    self: Any, request: pb.CreateEmbeddingRequest, context: Any
) -> pb.CreateEmbeddingResponse:
    model = resolve(request.model, Kind.EMBEDDING)
    texts = _texts(request)
    encoding = request.encoding_format or "float"
    if encoding not in FORMATS:
        raise invalid(f"encoding_format must be 'float' or 'base64', got {encoding!r}", "encoding_format")
    dimensions = _dimensions(request)
    batches = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
    outputs = await asyncio.gather(
        *(
            self.triton.infer(
                model.triton, {"text": np.array([[t.encode()] for t in batch], dtype=np.object_)}
            )
            for batch in batches
        )
    )
    vectors = np.concatenate([out["embedding"] for out in outputs])
    tokens = int(sum(int(out["token_count"].sum()) for out in outputs))
    context.add_usage(tokens_in=tokens, model=model.id)
    if dimensions < DIMENSIONS:
        # As OpenAI's text-embedding-3 models shorten: keep the leading dimensions, renormalise.
        vectors = vectors[:, :dimensions]
        vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    data = [
        pb.Embedding(object="embedding", index=i, embedding=_value(v, encoding))
        for i, v in enumerate(vectors)
    ]
    return pb.CreateEmbeddingResponse(
        object="list",
        data=data,
        model=model.id,
        usage=pb.EmbeddingUsage(prompt_tokens=tokens, total_tokens=tokens),
    )
