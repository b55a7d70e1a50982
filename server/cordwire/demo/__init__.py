"""The bundled OpenAI-compatible demo chute: what ``cordwire serve`` runs with no target.

Chat and text completions from a tiny GPT (``tiny-lm``), embeddings from all-MiniLM-L6-v2
(``minilm-embed``) and images from a seeded pattern painter (``tiny-image``), each a Triton model
in ``models/``, behind OpenAI's routes, so the official ``openai`` SDKs work against it.
"""

from __future__ import annotations

import pathlib

from cordwire import Chute
from cordwire.openai.v1 import openai_pb2

from . import _chat, _completions, _embeddings, _images, _models

__all__ = ["chute"]

chute = Chute(
    username="myuser",
    name="my-llm",
    service=openai_pb2.DESCRIPTOR.services_by_name["OpenAIService"],
    model_repository=pathlib.Path(__file__).with_name("models"),
)

chute.cord("CreateChatCompletion")(_chat.create_chat_completion)
chute.cord("StreamChatCompletion")(_chat.stream_chat_completion)
chute.cord("CreateCompletion")(_completions.create_completion)
chute.cord("StreamCompletion")(_completions.stream_completion)
chute.cord("CreateEmbedding")(_embeddings.create_embedding)
chute.cord("CreateImage")(_images.create_image)
chute.cord("ListModels")(_models.list_models)
chute.cord("RetrieveModel")(_models.retrieve_model)
