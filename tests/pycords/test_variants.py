"""The seed examples that reuse /predict (one chute each), and passthrough to a real HTTP server."""

from __future__ import annotations

import asyncio
import json
import types
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from cordwire.testing import serve_chute


async def test_intro_predict(seeds: types.ModuleType) -> None:
    async with serve_chute(seeds.intro) as running:
        response = await running.http.post("/predict", json={"text": "good day"})
        assert response.json() == {"prediction": {"label": "positive", "length": 8}}


async def test_input_schema_predict_and_nested_path(seeds: types.ModuleType) -> None:
    async with serve_chute(seeds.validated) as running:
        reply = (await running.http.post("/predict", json={"text": "abcdef", "max_length": 3})).json()
        assert reply == {"text": "abc", "params": {"temperature": 0.7}}
        bad = await running.http.post("/predict", json={"text": "a", "temperature": 3})
        assert bad.status_code == 400 and bad.json()["error"]["param"] == "temperature"
        assert (await running.http.post("/api/v1/generate", json={"text": "x"})).json()["text"] == "x"


@pytest.mark.parametrize(("text", "status", "message"), [
    ("good", 200, None),
    ("   ", 400, "Text cannot be empty"),
    ("boom", 500, "Prediction failed"),
])  # fmt: skip
async def test_error_handling(seeds: types.ModuleType, text: str, status: int, message: str | None) -> None:
    async with serve_chute(seeds.errors) as running:
        response = await running.http.post("/predict", json={"text": text})
        assert response.status_code == status
        if message:
            assert response.json()["error"]["message"] == message


class FakeOpenAI:
    """A tiny OpenAI-style server: JSON or SSE chat completions, errors as OpenAI does them."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.seen: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/v1/chat/completions", self.chat, methods=["POST"])])

    async def chat(self, request: Request) -> Any:
        body = await request.json()
        self.seen.append({"body": body, "headers": dict(request.headers)})
        if body.get("model") != "tiny":
            error = {
                "error": {
                    "message": f"model {body.get('model')!r} not found",
                    "type": "invalid_request_error",
                }
            }
            return JSONResponse(error, status_code=404)
        if not body.get("stream"):
            return JSONResponse({"choices": [{"message": {"content": "hi"}}]}, headers={"x-upstream": "1"})
        hold = body.get("hold", False)

        async def events() -> AsyncIterator[bytes]:
            yield b'data: {"delta": "h"}\n\n'
            if hold:  # the test releases this only after the first event reached it
                await self.release.wait()
            yield b'data: {"delta": "i"}\n\n'
            yield b"data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")


@pytest.fixture
async def upstream() -> AsyncIterator[tuple[FakeOpenAI, int]]:
    fake = FakeOpenAI()
    config = uvicorn.Config(
        fake.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield fake, port
    finally:
        server.should_exit = True
        await task


async def test_passthrough_json_and_headers(
    seeds: types.ModuleType, upstream: tuple[FakeOpenAI, int]
) -> None:
    fake, port = upstream
    async with serve_chute(seeds.passthrough_chute(port)) as running:
        response = await running.http.post(
            "/v1/chat/completions",
            json={"model": "tiny", "messages": []},
            headers={"X-API-Key": "secret", "Grpc-Metadata-Trace": "t1"},
        )
        assert response.status_code == 200
        assert response.json() == {"choices": [{"message": {"content": "hi"}}]}
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-upstream"] == "1"
        sent = fake.seen[-1]["headers"]
        assert sent["trace"] == "t1" and "x-api-key" not in sent  # cordwire's credentials stay here


async def test_passthrough_sse_stream_over_http(
    seeds: types.ModuleType, upstream: tuple[FakeOpenAI, int]
) -> None:
    _, port = upstream
    async with serve_chute(seeds.passthrough_chute(port)) as running:
        body = {"model": "tiny", "stream": True}
        response = await running.http.post("/v1/chat/completions", json=body)
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.text == 'data: {"delta": "h"}\n\ndata: {"delta": "i"}\n\ndata: [DONE]\n\n'


async def test_passthrough_streams_chunks_as_they_arrive_over_grpc(
    seeds: types.ModuleType, upstream: tuple[FakeOpenAI, int]
) -> None:
    fake, port = upstream
    async with serve_chute(seeds.passthrough_chute(port)) as running:
        request = running.request("ChatCompletions", {})
        request.content_type = "application/json"  # type: ignore[attr-defined]
        request.data = json.dumps({"model": "tiny", "stream": True, "hold": True}).encode()  # type: ignore[attr-defined]
        call = running.method("ChatCompletions")(request)
        chunks = call.__aiter__()
        first = await asyncio.wait_for(anext(chunks), 5)  # arrives while the upstream still holds
        assert first.data == b'data: {"delta": "h"}\n\n'
        fake.release.set()
        rest = b"".join([c.data async for c in chunks])
        assert rest.endswith(b"data: [DONE]\n\n")


async def test_passthrough_errors(seeds: types.ModuleType, upstream: tuple[FakeOpenAI, int]) -> None:
    _, port = upstream
    async with serve_chute(seeds.passthrough_chute(port)) as running:
        missing = await running.http.post("/v1/chat/completions", json={"model": "huge"})
        assert missing.status_code == 404
        assert missing.json()["error"]["message"] == "model 'huge' not found"
        request = running.request("ChatCompletions", {})
        request.data = b'{"model": "huge"}'  # type: ignore[attr-defined]
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            [m async for m in running.method("ChatCompletions")(request)]
        assert caught.value.code() is grpc.StatusCode.NOT_FOUND
    async with serve_chute(seeds.passthrough_chute(1)) as running:  # nothing listens on port 1
        down = await running.http.post("/v1/chat/completions", json={"model": "tiny"})
        assert down.status_code == 502
        assert down.json()["error"]["code"] == "unavailable"
