"""The demo's model catalogue: OpenAI-style model ids, the Triton model behind each, and its kind."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from cordwire import Code, CordError
from cordwire.openai.v1 import openai_pb2 as pb

__all__ = ["CATALOG", "Kind", "ServedModel", "list_models", "resolve", "retrieve_model"]


class Kind(enum.Enum):
    """Which routes a model answers."""

    TEXT = "chat and text completions"
    EMBEDDING = "embeddings"
    IMAGE = "image generation"


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class ServedModel:
    """A model as ``/v1/models`` lists it."""

    id: str
    """The id clients send as ``model``."""
    triton: str
    """The Triton model in ``cordwire/demo/models`` that runs it."""
    kind: Kind
    """The routes it serves."""
    fingerprint: str
    """``system_fingerprint``: changes whenever the same seed could give different text."""


# A fixed date rather than the start time: `created` describes the model, not this process.
CREATED = 1767225600  # 2026-01-01T00:00:00Z
OWNER = "cordwire"

CATALOG: dict[str, ServedModel] = {
    m.id: m
    for m in (
        ServedModel(id="tiny-lm", triton="tiny_lm", kind=Kind.TEXT, fingerprint="fp_tiny_lm_v1"),
        ServedModel(id="minilm-embed", triton="embed", kind=Kind.EMBEDDING, fingerprint="fp_minilm_v1"),
        ServedModel(id="tiny-image", triton="image", kind=Kind.IMAGE, fingerprint="fp_cppn_v1"),
    )
}


def resolve(model_id: str, kind: Kind) -> ServedModel:
    """The model a request names, or the CordError OpenAI answers with (400 missing, 404 unknown,
    400 for a model that does not serve this route)."""
    if not model_id:
        raise CordError(Code.INVALID_ARGUMENT, "you must provide a model parameter", param="model")
    model = CATALOG.get(model_id)
    if model is None:
        raise CordError(
            Code.NOT_FOUND,
            f"The model {model_id!r} does not exist (models: {', '.join(CATALOG)})",
            param="model",
            reason="model_not_found",
        )
    if model.kind is not kind:
        raise CordError(
            Code.INVALID_ARGUMENT,
            f"The model {model_id!r} serves {model.kind.value}, not {kind.value}",
            param="model",
            reason="model_not_supported",
        )
    return model


def _model(model: ServedModel) -> pb.Model:
    return pb.Model(id=model.id, object="model", created=CREATED, owned_by=OWNER)


async def list_models(self: Any, request: pb.ListModelsRequest, context: Any) -> pb.ListModelsResponse:
    return pb.ListModelsResponse(object="list", data=[_model(m) for m in CATALOG.values()])


async def retrieve_model(self: Any, request: pb.RetrieveModelRequest, context: Any) -> pb.Model:
    model = CATALOG.get(request.model)
    if model is None:
        raise CordError(
            Code.NOT_FOUND,
            f"The model {request.model!r} does not exist",
            param="model",
            reason="model_not_found",
        )
    return _model(model)
