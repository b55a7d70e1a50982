"""Legacy text completions through the official SDK."""

from __future__ import annotations

import openai
import pytest

pytestmark = pytest.mark.triton


async def test_completion(aclient: openai.AsyncOpenAI) -> None:
    reply = await aclient.completions.create(model="tiny-lm", prompt="Once upon a time", temperature=0)
    assert reply.id.startswith("cmpl-")
    assert reply.object == "text_completion"
    [choice] = reply.choices
    assert choice.text and choice.index == 0
    # OpenAI's default max_tokens for this API is 16.
    assert reply.usage is not None and reply.usage.completion_tokens <= 16
    assert choice.finish_reason == ("length" if reply.usage.completion_tokens == 16 else "stop")


async def test_prompts_times_n_and_echo(aclient: openai.AsyncOpenAI) -> None:
    reply = await aclient.completions.create(
        model="tiny-lm", prompt=["Once upon a time", "The cat"], n=2, max_tokens=4, seed=3, echo=True
    )
    assert [c.index for c in reply.choices] == [0, 1, 2, 3]
    starts = ["Once upon a time", "Once upon a time", "The cat", "The cat"]
    assert all(c.text.startswith(p) for c, p in zip(reply.choices, starts, strict=True))
    assert reply.usage is not None and reply.usage.completion_tokens <= 16


async def test_stream_completion(aclient: openai.AsyncOpenAI) -> None:
    whole = await aclient.completions.create(model="tiny-lm", prompt="The dog", max_tokens=8, temperature=0)
    stream = await aclient.completions.create(
        model="tiny-lm",
        prompt="The dog",
        max_tokens=8,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [c async for c in stream]
    assert all(c.object == "text_completion" and c.id == chunks[0].id for c in chunks)
    *texts, last = chunks
    assert "".join(c.choices[0].text for c in texts) == whole.choices[0].text
    assert texts[-1].choices[0].finish_reason == whole.choices[0].finish_reason
    assert all(c.choices[0].finish_reason is None for c in texts[:-1])
    assert last.choices == [] and last.usage == whole.usage
