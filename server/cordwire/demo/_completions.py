"""``/v1/completions``: raw prompts continued by tiny_lm (no template), whole or streamed."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from cordwire.openai.v1 import openai_pb2 as pb

from ._generate import Step, collect, generate, lm_inputs, new_id, usage
from ._models import Kind, ServedModel, resolve
from ._params import Sampling, invalid, sampling, strings

__all__ = ["create_completion", "stream_completion"]

DEFAULT_MAX_TOKENS = 16  # OpenAI's default for this API
MAX_PROMPTS = 16


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class _Job:
    model: ServedModel
    sampling: Sampling
    prompts: list[str]

    @property
    def choices(self) -> int:
        return len(self.prompts) * self.sampling.n


def _prepare(request: pb.CreateCompletionRequest) -> _Job:
    model = resolve(request.model, Kind.TEXT)
    if request.HasField("logprobs"):
        raise invalid("logprobs are not supported by this model", "logprobs")
    if request.suffix:
        raise invalid("suffix is not supported by this model", "suffix")
    if request.HasField("best_of") and request.best_of != (request.n if request.HasField("n") else 1):
        raise invalid("best_of must equal n: choosing the best needs log probabilities", "best_of")
    if request.HasField("stream_options") and not request.stream:
        raise invalid("stream_options is only allowed when stream is true", "stream_options")
    if not request.HasField("prompt"):
        raise invalid("you must provide a prompt", "prompt")
    prompts = strings(request.prompt, "prompt")
    if not 1 <= len(prompts) <= MAX_PROMPTS:
        raise invalid(f"prompt must hold 1 to {MAX_PROMPTS} strings, got {len(prompts)}", "prompt")
    limit = request.max_tokens if request.HasField("max_tokens") else None
    params = sampling(
        request, max_tokens=limit, max_tokens_param="max_tokens", default_max=DEFAULT_MAX_TOKENS
    )
    return _Job(model=model, sampling=params, prompts=prompts)


def _steps(self: Any, job: _Job) -> AsyncGenerator[Step, None]:
    # Choice index = prompt index * n + sample index, as OpenAI numbers them.
    n = job.sampling.n
    requests = [lm_inputs(job.sampling, i, prompt=job.prompts[i // n]) for i in range(job.choices)]
    return generate(self.triton, job.model.triton, requests)


def _head(job: _Job) -> dict[str, Any]:
    return {
        "id": new_id("cmpl-"),
        "object": "text_completion",
        "created": int(time.time()),
        "model": job.model.id,
        "system_fingerprint": job.model.fingerprint,
    }


async def create_completion(
    self: Any, request: pb.CreateCompletionRequest, context: Any
) -> pb.CreateCompletionResponse:
    job = _prepare(request)
    outcomes = await collect(_steps(self, job), job.choices)
    n = job.sampling.n
    choices = [
        pb.CompletionChoice(
            index=i,
            text=(job.prompts[i // n] if request.echo else "") + o.text,
            finish_reason=o.finish_reason,
        )
        for i, o in enumerate(outcomes)
    ]
    # Each prompt's tokens count once, however many samples were drawn from it.
    prompt_tokens = sum(o.prompt_tokens for o in outcomes[::n])
    completion_tokens = sum(o.completion_tokens for o in outcomes)
    context.add_usage(tokens_in=prompt_tokens, tokens_out=completion_tokens, model=job.model.id)
    return pb.CreateCompletionResponse(
        **_head(job), choices=choices, usage=usage(prompt_tokens, completion_tokens)
    )


async def stream_completion(
    self: Any, request: pb.CreateCompletionRequest, context: Any
) -> AsyncIterator[pb.CreateCompletionResponse]:
    job = _prepare(request)
    head = _head(job)  # one id and timestamp for every chunk
    n = job.sampling.n

    def chunk(index: int, text: str, finish_reason: str | None = None) -> pb.CreateCompletionResponse:
        choice = pb.CompletionChoice(index=index, text=text, finish_reason=finish_reason)
        return pb.CreateCompletionResponse(**head, choices=[choice])

    if request.echo:
        for i in range(job.choices):
            yield chunk(i, job.prompts[i // n])
    prompt_tokens = [0] * job.choices
    completion_tokens = [0] * job.choices
    try:
        async for step in _steps(self, job):
            prompt_tokens[step.choice] = step.prompt_tokens
            completion_tokens[step.choice] = step.completion_tokens
            if step.text or step.finish_reason:
                yield chunk(step.choice, step.text, step.finish_reason or None)
    finally:  # a stream cut short still used what it generated
        used_in, used_out = sum(prompt_tokens[::n]), sum(completion_tokens)
        context.add_usage(tokens_in=used_in, tokens_out=used_out, model=job.model.id)
    if request.stream_options.include_usage:
        total = usage(sum(prompt_tokens[::n]), sum(completion_tokens))
        yield pb.CreateCompletionResponse(**head, usage=total)
