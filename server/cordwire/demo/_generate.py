"""Token streams from ``tiny_lm``: one decoupled Triton request per choice, merged as they arrive."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import secrets
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from cordwire.openai.v1 import openai_pb2 as pb

from ._params import Sampling, derived_seed

__all__ = ["Outcome", "Step", "collect", "generate", "lm_inputs", "new_id", "usage"]

Inputs = dict[str, npt.NDArray[Any]]


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    """One response of one choice's stream."""

    choice: int
    text: str
    """A text delta (may be empty while the model holds back a possible stop-string prefix)."""
    finish_reason: str
    """``""`` until the choice's last step, then ``stop`` or ``length``."""
    prompt_tokens: int
    completion_tokens: int


def lm_inputs(sampling: Sampling, choice: int, *, prompt: str = "", messages: Any = None) -> Inputs:
    """The tensors of one choice's request (see cordwire/demo/models/README.md)."""
    inputs: Inputs = {"max_tokens": np.array([sampling.max_tokens], dtype=np.int32)}
    if messages is not None:
        inputs["messages"] = np.array([json.dumps(messages).encode()], dtype=np.object_)
    else:
        inputs["prompt"] = np.array([prompt.encode()], dtype=np.object_)
    if sampling.temperature is not None:
        inputs["temperature"] = np.array([sampling.temperature], dtype=np.float32)
    if sampling.top_p is not None:
        inputs["top_p"] = np.array([sampling.top_p], dtype=np.float32)
    if sampling.stop:
        inputs["stop"] = np.array([s.encode() for s in sampling.stop], dtype=np.object_)
    if sampling.seed is not None:
        # Each choice its own seed, so n > 1 gives n samples and the whole request stays reproducible.
        inputs["seed"] = np.array([derived_seed(sampling.seed, choice)], dtype=np.int64)
    return inputs


async def _steps(triton: Any, model: str, choice: int, inputs: Inputs) -> AsyncGenerator[Step, None]:
    async with contextlib.aclosing(triton.stream(model, inputs)) as responses:
        async for out in responses:
            yield Step(
                choice=choice,
                text=out["text"][0].decode(),
                finish_reason=out["finish_reason"][0].decode(),
                prompt_tokens=int(out["prompt_tokens"][0]),
                completion_tokens=int(out["completion_tokens"][0]),
            )


async def generate(triton: Any, model: str, requests: Sequence[Inputs]) -> AsyncGenerator[Step, None]:
    """Every step of every request, in arrival order; closing this cancels the Triton requests."""
    if len(requests) == 1:
        async with contextlib.aclosing(_steps(triton, model, 0, requests[0])) as steps:
            async for step in steps:
                yield step
        return
    queue: asyncio.Queue[Step | BaseException | None] = asyncio.Queue()

    async def pump(choice: int, inputs: Inputs) -> None:
        try:
            async for step in _steps(triton, model, choice, inputs):
                await queue.put(step)
            await queue.put(None)
        except Exception as exc:  # handed to the consumer, which re-raises it
            await queue.put(exc)

    tasks = [asyncio.create_task(pump(i, inputs)) for i, inputs in enumerate(requests)]
    try:
        running = len(tasks)
        while running:
            item = await queue.get()
            if item is None:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclasses.dataclass(slots=True)
class Outcome:
    """A whole choice, gathered from its steps."""

    parts: list[str] = dataclasses.field(default_factory=list)
    finish_reason: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def text(self) -> str:
        return "".join(self.parts)


async def collect(steps: AsyncIterator[Step], count: int) -> list[Outcome]:
    """Every choice's text, finish reason and token counts."""
    outcomes = [Outcome() for _ in range(count)]
    async for step in steps:
        outcome = outcomes[step.choice]
        outcome.parts.append(step.text)
        outcome.finish_reason = step.finish_reason or outcome.finish_reason
        outcome.prompt_tokens = step.prompt_tokens
        outcome.completion_tokens = step.completion_tokens
    return outcomes


def new_id(prefix: str) -> str:
    """An id shaped like OpenAI's (``chatcmpl-…``, ``cmpl-…``): a prefix and 24 random hex digits."""
    return prefix + secrets.token_hex(12)


def usage(prompt_tokens: int, completion_tokens: int) -> pb.CompletionUsage:
    return pb.CompletionUsage(
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        total_tokens=prompt_tokens + completion_tokens,
    )
