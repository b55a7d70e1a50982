"""Every refusal is OpenAI's error JSON with the status the SDK maps to its exception classes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import openai
import pytest

from .conftest import Demo

pytestmark = pytest.mark.triton

HI = [{"role": "user", "content": "Hi"}]
Call = Callable[[openai.AsyncOpenAI], Awaitable[Any]]


def chat(**kwargs: Any) -> Call:
    return lambda c: c.chat.completions.create(
        **{"model": "tiny-lm", "messages": HI, "max_tokens": 2, **kwargs}
    )


async def _stream_unknown_model(c: openai.AsyncOpenAI) -> None:
    # A failure before the first chunk is a real HTTP status, not an in-stream error.
    await c.chat.completions.create(model="gpt-9", messages=HI, stream=True)  # type: ignore[call-overload]


CASES: list[tuple[str, Call, type[openai.APIStatusError], str | None, str | None]] = [
    # (case, call, exception, error.param, error.code)
    ("unknown model", chat(model="gpt-9"), openai.NotFoundError, "model", "model_not_found"),
    ("stream, unknown model", _stream_unknown_model, openai.NotFoundError, "model", "model_not_found"),
    (
        "wrong kind of model",
        chat(model="minilm-embed"),
        openai.BadRequestError,
        "model",
        "model_not_supported",
    ),
    ("no model", chat(model=""), openai.BadRequestError, "model", None),
    ("temperature > 2", chat(temperature=2.5), openai.BadRequestError, "temperature", None),
    ("top_p = 0", chat(top_p=0), openai.BadRequestError, "top_p", None),
    ("n = 0", chat(n=0), openai.BadRequestError, "n", None),
    ("n too large", chat(n=100), openai.BadRequestError, "n", None),
    ("max_tokens = 0", chat(max_tokens=0), openai.BadRequestError, "max_tokens", None),
    (
        "max_completion_tokens",
        chat(max_completion_tokens=0),
        openai.BadRequestError,
        "max_completion_tokens",
        None,
    ),
    ("empty messages", chat(messages=[]), openai.BadRequestError, "messages", None),
    (
        "bad role",
        chat(messages=[{"role": "robot", "content": "x"}]),
        openai.BadRequestError,
        "messages[0].role",
        None,
    ),
    (
        "image part",
        chat(messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]),
        openai.BadRequestError,
        "messages[0].content[0]",
        None,
    ),
    ("five stops", chat(stop=["a", "b", "c", "d", "e"]), openai.BadRequestError, "stop", None),
    (
        "tools",
        chat(tools=[{"type": "function", "function": {"name": "f"}}]),
        openai.BadRequestError,
        "tools",
        None,
    ),
    ("logprobs", chat(logprobs=True), openai.BadRequestError, "logprobs", None),
    ("unknown field", chat(extra_body={"bogus": 1}), openai.BadRequestError, None, None),
    (
        "token-array prompt",
        lambda c: c.completions.create(model="tiny-lm", prompt=[1, 2, 3]),
        openai.BadRequestError,
        "prompt",
        None,
    ),
    (
        "completion with embed model",
        lambda c: c.completions.create(model="minilm-embed", prompt="x"),
        openai.BadRequestError,
        "model",
        "model_not_supported",
    ),
    (
        "too many dimensions",
        lambda c: c.embeddings.create(model="minilm-embed", input="x", dimensions=1000),
        openai.BadRequestError,
        "dimensions",
        None,
    ),
    (
        "empty input",
        lambda c: c.embeddings.create(model="minilm-embed", input=""),
        openai.BadRequestError,
        "input",
        None,
    ),
    (
        "bad encoding",
        lambda c: c.embeddings.create(model="minilm-embed", input="x", encoding_format="hex"),  # type: ignore[arg-type]
        openai.BadRequestError,
        "encoding_format",
        None,
    ),
    (
        "image url",
        lambda c: c.images.generate(prompt="x", response_format="url"),
        openai.BadRequestError,
        "response_format",
        None,
    ),
    (
        "image too big",
        lambda c: c.images.generate(prompt="x", size="2048x2048"),  # type: ignore[arg-type]
        openai.BadRequestError,
        "size",
        None,
    ),
    ("image n", lambda c: c.images.generate(prompt="x", n=5), openai.BadRequestError, "n", None),
    (
        "image with LM",
        lambda c: c.images.generate(prompt="x", model="tiny-lm"),
        openai.BadRequestError,
        "model",
        None,
    ),
    (
        "retrieve unknown",
        lambda c: c.models.retrieve("gpt-9"),
        openai.NotFoundError,
        "model",
        "model_not_found",
    ),
]


@pytest.mark.parametrize(
    ("call", "exception", "param", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_error(
    aclient: openai.AsyncOpenAI,
    call: Call,
    exception: type[openai.APIStatusError],
    param: str | None,
    code: str | None,
) -> None:
    with pytest.raises(exception) as raised:
        await call(aclient)
    error = raised.value
    assert type(error) is exception
    assert isinstance(error.body, dict) and set(error.body) == {"message", "type", "param", "code"}
    assert error.body["type"] == "invalid_request_error" and error.body["message"]
    if param is not None:
        assert error.param == param
    if code is not None:
        assert error.code == code


async def test_error_body_on_the_wire(demo: Demo) -> None:
    response = await demo.running.http.post(
        "/v1/chat/completions", json={"model": "tiny-lm", "messages": HI, "temperature": 3}
    )
    assert response.status_code == 400
    body = response.json()
    assert body == {
        "error": {
            "message": body["error"]["message"],
            "type": "invalid_request_error",
            "param": "temperature",
            "code": "invalid_argument",
        }
    }
