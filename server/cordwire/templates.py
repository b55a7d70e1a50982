"""Chutes-style templates over your own Triton models: OpenAI-compatible chutes in one call.

Chutes builds a vLLM, embedding or diffusion chute from a model name; cordwire builds the same
OpenAI-compatible routes over a Triton model repository whose models follow the tensor contract
below (the bundled demo's models do; see ``cordwire/demo/models/README.md``). Scalars are shape
``[1]`` tensors and ``BYTES`` is Triton's ``TYPE_STRING`` (UTF-8)::

    chute = build_llm_chute(username="me", name="llm", model_repository="models/", model="tiny_lm")
    chute = build_embedding_chute(username="me", name="embed", model_repository="models/")
    build_image_chute(username="me", name="img", model_repository="models/", into=chute)  # one chute

LLM model (decoupled, one response per token, the last with ``finish_reason``):
    inputs  ``prompt`` BYTES[1] (completions) or ``messages`` BYTES[1] (chat: JSON list of
            ``{"role", "content"}``; the model applies its template), ``max_tokens`` INT32[1],
            optional ``temperature`` FP32[1], ``top_p`` FP32[1], ``seed`` INT64[1]
    outputs ``text`` BYTES[1] (a delta), ``finish_reason`` BYTES[1] (``""`` until the last:
            ``stop`` or ``length``), ``prompt_tokens`` INT32[1], ``completion_tokens`` INT32[1]
    routes  ``POST /v1/chat/completions``, ``POST /v1/completions`` (``"stream": true`` streams
            SSE chunks), ``GET /v1/models``

Embedding model (batched, ``max_batch_size`` >= 1):
    inputs  ``text`` BYTES[1] per batch row
    outputs ``embedding`` FP32[d], ``token_count`` INT32[1] per row
    routes  ``POST /v1/embeddings`` (``encoding_format`` ``float`` or ``base64``)

Image model:
    inputs  ``prompt`` BYTES[1], optional ``width`` INT32[1], ``height`` INT32[1], ``seed`` INT64[1]
    outputs ``image`` BYTES[1] (an encoded image, PNG)
    routes  ``POST /v1/images/generations`` (``b64_json`` results)
"""

from ._template_llm import build_llm_chute
from ._template_media import build_embedding_chute, build_image_chute

__all__ = ["build_embedding_chute", "build_image_chute", "build_llm_chute"]
