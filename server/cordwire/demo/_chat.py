"""``/v1/chat/completions``: messages through tiny_lm's chat template, whole or streamed."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from google.protobuf import struct_pb2

from cordwire.openai.v1 import openai_pb2 as pb

from ._generate import Step, collect, generate, lm_inputs, new_id, usage
from ._models import Kind, ServedModel, resolve
from ._params import Sampling, invalid, sampling

__all__ = ["create_chat_completion", "stream_chat_completion"]

# No max_tokens means "until the model stops or its context is full", as with OpenAI; tiny_lm's
# context is 256 tokens and it ends such a generation itself with finish_reason "length".
CONTEXT_TOKENS = 256
ROLES = ("system", "developer", "user", "assistant", "tool", "function")


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class _Job:
    model: ServedModel
    sampling: Sampling
    messages: list[dict[str, str]]


def _content(value: struct_pb2.Value, param: str) -> str:
    kind = value.WhichOneof("kind")
    if kind in (None, "null_value"):
        return ""  # an assistant turn that only called tools
    if kind == "string_value":
        return value.string_value
    if kind == "list_value":
        texts = []
        for i, part in enumerate(value.list_value.values):
            fields = part.struct_value.fields if part.WhichOneof("kind") == "struct_value" else {}
            if "type" not in fields or fields["type"].string_value != "text":
                raise invalid("only text content parts are supported by this model", f"{param}[{i}]")
            texts.append(fields["text"].string_value if "text" in fields else "")
        return "\n".join(texts)
    raise invalid("content must be a string or a list of content parts", param)


def _messages(request: pb.CreateChatCompletionRequest) -> list[dict[str, str]]:
    if not request.messages:
        raise invalid("messages must contain at least one message", "messages")
    messages = []
    for i, message in enumerate(request.messages):
        if message.role not in ROLES:
            raise invalid(
                f"messages[{i}].role must be one of {', '.join(ROLES)}; got {message.role!r}",
                f"messages[{i}].role",
            )
        # The template knows system/user/assistant; OpenAI's developer role is its new name for system.
        role = "system" if message.role == "developer" else message.role
        messages.append({"role": role, "content": _content(message.content, f"messages[{i}].content")})
    return messages


def _unsupported(request: pb.CreateChatCompletionRequest) -> None:
    """400s for features the demo model does not have, rather than silently different answers."""
    if request.logprobs or request.HasField("top_logprobs"):
        raise invalid("logprobs are not supported by this model", "logprobs")
    if request.response_format.type not in ("", "text"):
        raise invalid("only response_format type 'text' is supported", "response_format")
    if request.tools:
        raise invalid("tools are not supported by this model", "tools")
    choice = request.tool_choice
    if choice.WhichOneof("kind") not in (None, "null_value") and choice.string_value not in ("none", "auto"):
        raise invalid("tool_choice must be 'none' or 'auto': this model has no tools", "tool_choice")
    if request.HasField("stream_options") and not request.stream:
        raise invalid("stream_options is only allowed when stream is true", "stream_options")


def _prepare(request: pb.CreateChatCompletionRequest) -> _Job:
    model = resolve(request.model, Kind.TEXT)
    _unsupported(request)
    limit: int | None
    if request.HasField("max_completion_tokens"):
        limit, param = request.max_completion_tokens, "max_completion_tokens"
    else:
        limit = request.max_tokens if request.HasField("max_tokens") else None
        param = "max_tokens"
    params = sampling(request, max_tokens=limit, max_tokens_param=param, default_max=CONTEXT_TOKENS)
    return _Job(model=model, sampling=params, messages=_messages(request))


def _steps(self: Any, job: _Job) -> AsyncGenerator[Step, None]:
    requests = [lm_inputs(job.sampling, i, messages=job.messages) for i in range(job.sampling.n)]
    return generate(self.triton, job.model.triton, requests)


async def create_chat_completion(
    self: Any, request: pb.CreateChatCompletionRequest, context: Any
) -> pb.CreateChatCompletionResponse:
    job = _prepare(request)
    outcomes = await collect(_steps(self, job), job.sampling.n)
    prompt_tokens = outcomes[0].prompt_tokens
    completion_tokens = sum(o.completion_tokens for o in outcomes)
    context.add_usage(tokens_in=prompt_tokens, tokens_out=completion_tokens, model=job.model.id)
    choices = [
        pb.ChatCompletionChoice(
            index=i,
            message=pb.ChatCompletionResponseMessage(role="assistant", content=o.text),
            finish_reason=o.finish_reason,
        )
        for i, o in enumerate(outcomes)
    ]
    return pb.CreateChatCompletionResponse(
        id=new_id("chatcmpl-"),
        object="chat.completion",
        created=int(time.time()),
        model=job.model.id,
        choices=choices,
        # The prompt is counted once, however many choices (as OpenAI bills it).
        usage=usage(prompt_tokens, completion_tokens),
        system_fingerprint=job.model.fingerprint,
    )


async def stream_chat_completion(
    self: Any, request: pb.CreateChatCompletionRequest, context: Any
) -> AsyncIterator[pb.CreateChatCompletionStreamResponse]:
    job = _prepare(request)
    head: dict[str, Any] = {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": job.model.id,
        "system_fingerprint": job.model.fingerprint,
    }

    def chunk(index: int, finish_reason: str | None = None, **delta: str) -> Any:
        choice = pb.ChatCompletionStreamChoice(
            index=index, delta=pb.ChatCompletionStreamResponseDelta(**delta), finish_reason=finish_reason
        )
        return pb.CreateChatCompletionStreamResponse(**head, choices=[choice])

    started: set[int] = set()
    completion_tokens = [0] * job.sampling.n
    prompt_tokens = 0
    try:
        async for step in _steps(self, job):
            if step.choice not in started:  # a choice's first chunk names the role, as OpenAI's
                started.add(step.choice)
                yield chunk(step.choice, role="assistant", content="")
            prompt_tokens = step.prompt_tokens
            completion_tokens[step.choice] = step.completion_tokens
            if step.text:
                yield chunk(step.choice, content=step.text)
            if step.finish_reason:
                yield chunk(step.choice, finish_reason=step.finish_reason)
    finally:  # a stream cut short still used what it generated
        context.add_usage(tokens_in=prompt_tokens, tokens_out=sum(completion_tokens), model=job.model.id)
    if request.stream_options.include_usage:
        yield pb.CreateChatCompletionStreamResponse(
            **head, usage=usage(prompt_tokens, sum(completion_tokens))
        )
