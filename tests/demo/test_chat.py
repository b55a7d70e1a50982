"""Chat completions through the official openai SDK, unary and streamed."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import openai
import pytest

from .conftest import Demo

pytestmark = pytest.mark.triton

STORY = [{"role": "user", "content": "Tell me a story about a dog."}]


async def test_chat_completion(aclient: openai.AsyncOpenAI) -> None:
    reply = await aclient.chat.completions.create(
        model="tiny-lm",
        messages=[{"role": "system", "content": "You are a storyteller."}, *STORY],
        max_tokens=24,
        temperature=0.7,
    )
    assert reply.id.startswith("chatcmpl-")
    assert reply.object == "chat.completion"
    assert reply.model == "tiny-lm"
    assert abs(reply.created - time.time()) < 60
    [choice] = reply.choices
    assert choice.index == 0
    assert choice.message.role == "assistant"
    assert choice.message.content
    assert choice.finish_reason in ("stop", "length")
    assert reply.usage is not None
    assert reply.usage.prompt_tokens > 0
    assert 0 < reply.usage.completion_tokens <= 24
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


async def test_finish_reason_length(aclient: openai.AsyncOpenAI) -> None:
    reply = await aclient.chat.completions.create(
        model="tiny-lm", messages=STORY, max_completion_tokens=3, temperature=0
    )
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage is not None and reply.usage.completion_tokens == 3


async def test_finish_reason_stop_on_stop_string(aclient: openai.AsyncOpenAI) -> None:
    greedy = await aclient.chat.completions.create(
        model="tiny-lm", messages=STORY, max_tokens=12, temperature=0
    )
    text = greedy.choices[0].message.content or ""
    word = text.split()[2]  # a word the greedy answer reaches early
    stopped = await aclient.chat.completions.create(
        model="tiny-lm", messages=STORY, max_tokens=12, temperature=0, stop=[word]
    )
    assert stopped.choices[0].finish_reason == "stop"
    assert stopped.choices[0].message.content == text[: text.index(word)]


async def test_streaming_with_usage(aclient: openai.AsyncOpenAI) -> None:
    stream = await aclient.chat.completions.create(
        model="tiny-lm",
        messages=STORY,
        max_tokens=10,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    assert len({c.id for c in chunks}) == 1 and chunks[0].id.startswith("chatcmpl-")
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    first, *middle, finish, last = chunks
    assert first.choices[0].delta.role == "assistant" and first.choices[0].delta.content == ""
    assert all(c.choices[0].delta.content and c.choices[0].finish_reason is None for c in middle)
    assert finish.choices[0].finish_reason == "length"
    assert finish.choices[0].delta.content is None and finish.choices[0].delta.role is None
    assert last.choices == [] and last.usage is not None
    assert last.usage.completion_tokens == 10
    assert all(c.usage is None for c in chunks[:-1])
    # The same seedless greedy request, unary, gives the same text.
    whole = await aclient.chat.completions.create(
        model="tiny-lm", messages=STORY, max_tokens=10, temperature=0
    )
    assert "".join(c.choices[0].delta.content or "" for c in middle) == whole.choices[0].message.content


async def test_seed_reproduces_text_streamed_or_not(aclient: openai.AsyncOpenAI) -> None:
    kwargs = {"model": "tiny-lm", "messages": STORY, "max_tokens": 16, "temperature": 1.0, "seed": 1234}
    first = await aclient.chat.completions.create(**kwargs)  # type: ignore[call-overload]
    again = await aclient.chat.completions.create(**kwargs)  # type: ignore[call-overload]
    stream = await aclient.chat.completions.create(**kwargs, stream=True)  # type: ignore[call-overload]
    streamed = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert first.choices[0].message.content == again.choices[0].message.content == streamed
    assert first.system_fingerprint == again.system_fingerprint


async def test_n_choices_unary_and_streamed(aclient: openai.AsyncOpenAI) -> None:
    reply = await aclient.chat.completions.create(model="tiny-lm", messages=STORY, max_tokens=6, n=2, seed=7)
    assert [c.index for c in reply.choices] == [0, 1]
    stream = await aclient.chat.completions.create(
        model="tiny-lm", messages=STORY, max_tokens=6, n=2, seed=7, stream=True
    )
    texts = {0: "", 1: ""}
    roles = []
    async for chunk in stream:
        [choice] = chunk.choices
        roles += [choice.index] if choice.delta.role else []
        texts[choice.index] += choice.delta.content or ""
    assert sorted(roles) == [0, 1]
    assert [texts[0], texts[1]] == [c.message.content for c in reply.choices]


async def test_content_parts_and_developer_role(aclient: openai.AsyncOpenAI) -> None:
    reply = await aclient.chat.completions.create(
        model="tiny-lm",
        messages=[
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Hello!"}]},
        ],
        max_tokens=5,
    )
    assert reply.choices[0].message.content


async def test_sync_client_over_a_socket(client: openai.OpenAI) -> None:
    def chat() -> tuple[str, list[str]]:
        reply = client.chat.completions.create(model="tiny-lm", messages=STORY, max_tokens=8, temperature=0)
        with client.chat.completions.create(
            model="tiny-lm", messages=STORY, max_tokens=8, temperature=0, stream=True
        ) as stream:
            deltas = [c.choices[0].delta.content or "" for c in stream]
        return reply.choices[0].message.content or "", deltas

    text, deltas = await asyncio.to_thread(chat)
    assert text and "".join(deltas) == text


async def test_same_handlers_over_grpc(demo: Demo) -> None:
    # The gateway's twin routing has a gRPC counterpart: two RPCs, one request type.
    fields = {"model": "tiny-lm", "messages": STORY, "max_tokens": 6, "temperature": 0}
    running = demo.running
    reply: Any = await running.call("CreateChatCompletion", fields)
    chunks = [
        c
        async for c in running.method("StreamChatCompletion")(running.request("StreamChatCompletion", fields))
    ]
    assert reply.choices[0].finish_reason == chunks[-1].choices[0].finish_reason == "length"
    assert "".join(c.choices[0].delta.content for c in chunks) == reply.choices[0].message.content
    assert reply.usage.completion_tokens == 6 and reply.id.startswith("chatcmpl-")


async def test_hanging_up_stops_generation(demo: Demo) -> None:
    embedded = demo.running.server.triton.embedded if demo.running.server.triton else None
    assert embedded is not None
    log = embedded.log_path
    before = log.read_text(errors="replace").count("tiny_lm: cancelled after")
    # Greedy: the story runs far past the first chunks (no early end of text to race with).
    body = {
        "model": "tiny-lm",
        "messages": STORY,
        "max_tokens": 250,
        "n": 2,
        "temperature": 0,
        "stream": True,
    }
    async with (
        httpx.AsyncClient(base_url=demo.url) as http,
        http.stream("POST", "/v1/chat/completions", json=body) as response,
    ):
        lines = response.aiter_lines()
        assert (await anext(lines)).startswith("data: ")  # generating; now hang up
    # Both choices' Triton requests are cancelled, so the model stops instead of writing 250 tokens.
    for _ in range(100):
        if log.read_text(errors="replace").count("tiny_lm: cancelled after") >= before + 2:
            break
        await asyncio.sleep(0.05)
    assert log.read_text(errors="replace").count("tiny_lm: cancelled after") >= before + 2
