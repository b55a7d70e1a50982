"""``build_llm_chute``: OpenAI chat and text completions over a decoupled Triton LLM."""

from __future__ import annotations

import contextlib
import json
import pathlib
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from ._chute import Chute
from ._cords import ChuteDefinitionError
from ._pycords import HTTPException

__all__ = ["ChatRequest", "CompletionRequest", "build_llm_chute", "template_chute"]


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "developer", "tool"]
    content: str


class _Sampling(BaseModel):
    model: str | None = Field(None, description="The served model's id (optional: there is one)")
    max_tokens: int = Field(64, ge=1, le=4096, description="Tokens to generate at most")
    temperature: float | None = Field(None, ge=0.0, le=2.0, description="0 is greedy")
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    seed: int | None = Field(None, description="Same seed and inputs, same text")
    stream: bool = Field(False, description="Stream server-sent events")


class ChatRequest(_Sampling):
    messages: list[ChatMessage] = Field(..., min_length=1)


class CompletionRequest(_Sampling):
    prompt: str = Field(..., min_length=1)


def template_chute(
    into: Chute | None,
    username: str,
    name: str,
    model_repository: str | pathlib.Path | None,
    **options: Any,
) -> Chute:
    """The chute to add a template's cords to: ``into``, or a new one over ``model_repository``."""
    if into is not None:
        if into.model_repository is None:
            raise ChuteDefinitionError(
                f"chute {into.chute_id} has no model_repository for the template's model"
            )
        return into
    if model_repository is None:
        raise ChuteDefinitionError("a template needs model_repository= (or into= a chute that has one)")
    return Chute(username=username, name=name, model_repository=model_repository, **options)


def build_llm_chute(
    *,
    username: str = "",
    name: str = "",
    model_repository: str | pathlib.Path | None = None,
    model: str = "tiny_lm",
    served_name: str | None = None,
    into: Chute | None = None,
    **chute_options: Any,
) -> Chute:
    """An OpenAI-compatible LLM chute over the decoupled Triton model ``model`` (see the contract
    in :mod:`cordwire.templates`); ``served_name`` is the id clients pass as ``model``."""
    chute = template_chute(into, username, name, model_repository, **chute_options)
    served = served_name or model

    def check(data: _Sampling) -> None:
        if data.model not in (None, served):
            raise HTTPException(404, f"The model {data.model!r} does not exist; this chute serves {served!r}")

    async def steps(owner: Any, data: _Sampling, **text: Any) -> AsyncIterator[dict[str, Any]]:
        check(data)
        async with contextlib.aclosing(owner.triton.stream(model, _inputs(data, **text))) as responses:
            async for out in responses:
                yield {
                    "text": out["text"][0].decode(),
                    "finish_reason": out["finish_reason"][0].decode() or None,
                    "prompt_tokens": int(out["prompt_tokens"][0]),
                    "completion_tokens": int(out["completion_tokens"][0]),
                }

    @chute.cord(public_api_path="/v1/chat/completions", input_schema=ChatRequest)
    async def chat_completion(self: Any, data: ChatRequest) -> dict[str, Any]:
        messages = [m.model_dump() for m in data.messages]
        text, last = await _collect(steps(self, data, messages=messages))
        message = {"role": "assistant", "content": text}
        choice = {"index": 0, "message": message, "finish_reason": last["finish_reason"]}
        return _envelope("chat.completion", served, [choice], last)

    @chute.cord(public_api_path="/v1/chat/completions", input_schema=ChatRequest, stream=True)
    async def chat_completion_stream(self: Any, data: ChatRequest) -> AsyncIterator[dict[str, Any]]:
        messages = [m.model_dump() for m in data.messages]
        ident, created = _new_id("chatcmpl"), int(time.time())
        async for step in steps(self, data, messages=messages):
            delta = {"content": step["text"]} if step["text"] else {}
            choice = {"index": 0, "delta": delta, "finish_reason": step["finish_reason"]}
            yield {"id": ident, "object": "chat.completion.chunk", "created": created, "model": served,
                   "choices": [choice]}  # fmt: skip

    @chute.cord(public_api_path="/v1/completions", input_schema=CompletionRequest)
    async def completion(self: Any, data: CompletionRequest) -> dict[str, Any]:
        text, last = await _collect(steps(self, data, prompt=data.prompt))
        choice = {"index": 0, "text": text, "finish_reason": last["finish_reason"]}
        return _envelope("text_completion", served, [choice], last)

    @chute.cord(public_api_path="/v1/completions", input_schema=CompletionRequest, stream=True)
    async def completion_stream(self: Any, data: CompletionRequest) -> AsyncIterator[dict[str, Any]]:
        ident, created = _new_id("cmpl"), int(time.time())
        async for step in steps(self, data, prompt=data.prompt):
            choice = {"index": 0, "text": step["text"], "finish_reason": step["finish_reason"]}
            yield {"id": ident, "object": "text_completion", "created": created, "model": served,
                   "choices": [choice]}  # fmt: skip

    @chute.cord(public_api_path="/v1/models", method="GET")
    async def list_models(self: Any) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": served, "object": "model", "owned_by": username}]}

    return chute


def _inputs(data: _Sampling, *, prompt: str = "", messages: Any = None) -> dict[str, Any]:
    inputs: dict[str, Any] = {"max_tokens": np.array([data.max_tokens], dtype=np.int32)}
    if messages is not None:
        inputs["messages"] = np.array([json.dumps(messages).encode()], dtype=np.object_)
    else:
        inputs["prompt"] = np.array([prompt.encode()], dtype=np.object_)
    if data.temperature is not None:
        inputs["temperature"] = np.array([data.temperature], dtype=np.float32)
    if data.top_p is not None:
        inputs["top_p"] = np.array([data.top_p], dtype=np.float32)
    if data.seed is not None:
        inputs["seed"] = np.array([data.seed], dtype=np.int64)
    return inputs


async def _collect(steps: AsyncIterator[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    text, last = [], {"finish_reason": "stop", "prompt_tokens": 0, "completion_tokens": 0}
    async for step in steps:
        text.append(step["text"])
        last = step
    return "".join(text), last


def _envelope(kind: str, model: str, choices: list[Any], last: dict[str, Any]) -> dict[str, Any]:
    prompt, completion = last["prompt_tokens"], last["completion_tokens"]
    return {
        "id": _new_id("chatcmpl" if kind == "chat.completion" else "cmpl"),
        "object": kind,
        "created": int(time.time()),
        "model": model,
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def _new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(12)}"
