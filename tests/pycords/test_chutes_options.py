"""The Chutes SDK's options with their Chutes meaning, and FastAPI's types beyond the seed's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from fastapi import Body, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from cordwire import Chute
from cordwire.testing import serve_chute


class Reply(BaseModel):
    answer: int = Field(..., ge=0, description="The answer")
    tokens: list[int] = []


async def test_concurrency_over_the_bound_is_429_with_retry_after() -> None:
    chute = Chute(username="options", name="bounded", concurrency=1)
    entered, release = asyncio.Event(), asyncio.Event()

    @chute.cord(public_api_path="/work")
    async def work(self: Any) -> dict[str, Any]:
        entered.set()
        await release.wait()
        return {"ok": True}

    async with serve_chute(chute) as running:
        first = asyncio.create_task(running.http.post("/work", json={}))
        await entered.wait()
        refused = await running.http.post("/work", json={})
        assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await running.call("Work", {})
        assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        release.set()
        assert (await first).json() == {"ok": True}
        assert (await running.http.post("/work", json={})).status_code == 200


async def test_aliases_output_schema_timeout_and_body_limit() -> None:
    chute = Chute(username="options", name="aliases")

    @chute.cord(path="/answer", public_api_method="GET", output_schema=Reply)
    async def answer(self: Any, bad: bool = False) -> dict[str, Any]:
        return {"answer": -1} if bad else {"answer": 42, "tokens": [1, 2]}

    @chute.cord(public_api_path="/slow", timeout=0.05)
    async def slow(self: Any) -> dict[str, Any]:
        await asyncio.Event().wait()
        return {}

    @chute.cord(public_api_path="/small", max_body_bytes=64)
    async def small(self: Any, text: str) -> dict[str, Any]:
        return {"n": len(text)}

    async with serve_chute(chute) as running:
        ok = await running.http.get("/answer")
        assert ok.text == '{"answer":42,"tokens":[1,2]}'  # pydantic ints as JSON numbers
        reply = await running.call("Answer", {})
        assert (reply.answer, list(reply.tokens)) == (42, [1, 2])  # type: ignore[attr-defined]
        assert (await running.http.get("/answer", params={"bad": "true"})).status_code == 500
        assert (await running.http.post("/slow", json={})).status_code == 504
        assert (await running.http.post("/small", json={"text": "x"})).json() == {"n": 1}
        assert (await running.http.post("/small", json={"text": "x" * 100})).status_code == 413
        spec = (await running.http.get("/openapi.json")).json()
    schema = spec["paths"]["/answer"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["properties"]["answer"] == {
        "description": "The answer",
        "minimum": 0,
        "title": "Answer",
        "type": "integer",
    }


def test_platform_options_are_accepted_and_named_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="cordwire")
    options = {
        "node_selector": {"gpu_count": 1},
        "max_instances": 3,
        "tagline": "t",
        "scaling_threshold": 0.5,
    }
    chute = Chute(username="options", name="platform", image="img", **options)
    Chute(username="options", name="platform2", **options)
    chute.cord(public_api_path="/p", provision_timeout=60)(lambda self: {})
    named = [r.getMessage() for r in caplog.records if "no meaning on cordwire" in r.getMessage()]
    assert sorted(named) == sorted(
        [f"Chute option {o!r} has no meaning on cordwire (one machine); ignored" for o in options]
        + ["cord option 'provision_timeout' has no meaning on cordwire (one machine); ignored"]
    )
    assert chute.platform_options["max_instances"] == 3


class ChatInput(BaseModel):
    prompt: str
    stream: bool = False


async def test_stream_and_unary_cords_share_a_path_chosen_by_the_stream_flag() -> None:
    chute = Chute(username="options", name="twins")

    @chute.cord(public_api_path="/v1/chat", input_schema=ChatInput)
    async def chat(self: Any, data: ChatInput) -> dict[str, Any]:
        return {"text": data.prompt.upper()}

    @chute.cord(public_api_path="/v1/chat", input_schema=ChatInput, stream=True)
    async def chat_stream(self: Any, data: ChatInput) -> AsyncIterator[dict[str, Any]]:
        for word in data.prompt.split():
            yield {"delta": word}

    async with serve_chute(chute) as running:
        unary = await running.http.post("/v1/chat", json={"prompt": "a b"})
        assert unary.json() == {"text": "A B"}
        streamed = await running.http.post("/v1/chat", json={"prompt": "a b", "stream": True})
        assert streamed.text == 'data: {"delta":"a"}\n\ndata: {"delta":"b"}\n\ndata: [DONE]\n\n'
        deltas = [
            m async for m in running.method("ChatStream")(running.request("ChatStream", {"prompt": "x"}))
        ]
        assert [m["delta"] for m in deltas] == ["x"]  # type: ignore[index]


def test_twins_need_a_stream_field() -> None:
    from cordwire import ChuteDefinitionError

    chute = Chute(username="options", name="no-flag")
    chute.cord(public_api_path="/c")(lambda self, prompt: {})

    async def streamer(self: Any, prompt: str) -> AsyncIterator[dict[str, Any]]:
        yield {}

    chute.cord(public_api_path="/c", stream=True)(streamer)
    with pytest.raises(ChuteDefinitionError, match="needs a bool field `stream`"):
        _ = chute.service


async def test_passthrough_defaults_headers_query_and_twins(upstream_port: int) -> None:
    chute = Chute(username="options", name="relay", passthrough_headers={"X-Chute": "relay"})

    # Chutes' vLLM template: two passthrough cords on one path, one declared stream=True, no yield.
    @chute.cord(
        public_api_path="/v1/completions",
        passthrough=True,
        passthrough_path="/upstream/stream",
        passthrough_port=upstream_port,
        stream=True,
    )
    async def completion_stream(self: Any, data: Any) -> Any:
        return data

    @chute.cord(
        public_api_path="/v1/completions",
        passthrough=True,
        passthrough_path="/upstream/plain",
        passthrough_port=upstream_port,
        passthrough_headers={"X-Cord": "c1"},
    )
    async def completion(self: Any, data: Any) -> Any:
        return data

    @chute.cord(public_api_path="/default-port", passthrough=True)
    async def default_port(self: Any, data: Any) -> Any:
        return data

    assert chute.python_cords["DefaultPort"].passthrough_port == 8000
    async with serve_chute(chute) as running:
        plain = await running.http.post("/v1/completions?a=1&b=two", json={"prompt": "p"})
        assert plain.json() == {
            "echo": {"prompt": "p"},
            "query": "a=1&b=two",
            "headers": {"x-chute": "relay", "x-cord": "c1"},
        }
        accepted = await running.http.post("/v1/completions", json={"status": 202})
        assert accepted.status_code == 202  # the upstream's status, not a blanket 200
        streamed = await running.http.post("/v1/completions", json={"prompt": "p", "stream": True})
        assert streamed.text == 'data: {"streamed": true}\n\ndata: [DONE]\n\n'


async def test_request_response_and_fastapi_parameters() -> None:
    chute = Chute(username="options", name="request")

    @chute.cord(public_api_path="/inspect")
    async def inspect(self: Any, request: Request, x: int = Query(1, ge=1)) -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.url.path,
            "url": str(request.url),
            "query": dict(request.query_params),
            "custom": request.headers.get("X-Custom"),
            "client": request.client.host if request.client else None,
            "json": await request.json(),
            "x": x,
        }

    @chute.cord(public_api_path="/create")
    async def create(self: Any, name: str = Body(..., min_length=2), agent: str = Header("none")) -> Response:
        return JSONResponse({"created": name, "agent": agent}, status_code=201)

    @chute.cord(public_api_path="/forbidden")
    async def forbidden(self: Any) -> dict[str, Any]:
        from starlette.exceptions import HTTPException as StarletteHTTPException

        raise StarletteHTTPException(status_code=403, detail="no", headers={"X-Why": "policy"})

    @chute.cord(public_api_path="/conflict")
    async def conflict(self: Any) -> dict[str, Any]:
        raise HTTPException(status_code=409, detail={"field": "name"})

    @chute.cord(public_api_path="/download", output_content_type="text/csv")
    async def download(self: Any, rows: int) -> StreamingResponse:
        async def lines() -> AsyncIterator[str]:
            for i in range(rows):
                yield f"{i},row\n"

        return StreamingResponse(lines(), media_type="text/csv")

    @chute.cord(public_api_path="/forget", method="DELETE")
    async def forget(self: Any, request: Request) -> dict[str, Any]:
        return Response(status_code=204)  # type: ignore[return-value]

    async with serve_chute(chute) as running:
        gone = await running.http.delete("/forget")
        assert (gone.status_code, gone.content) == (204, b"")
        seen = await running.http.post("/inspect?page=3&tag=a", json={"x": 2}, headers={"X-Custom": "yes"})
        assert seen.json() == {
            "method": "POST",
            "path": "/inspect",
            "url": "http://testserver/inspect?page=3&tag=a",
            "query": {"page": "3", "tag": "a"},
            "custom": "yes",
            "client": "127.0.0.1",
            "json": {"x": 2},
            "x": 2,
        }
        assert (await running.http.post("/inspect", json={"x": 0})).status_code == 400
        created = await running.http.post("/create", json={"name": "ab"}, headers={"Agent": "t/1"})
        assert (created.status_code, created.json()) == (201, {"created": "ab", "agent": "t/1"})
        assert (await running.http.post("/create", json={"name": "a"})).status_code == 400
        denied = await running.http.post("/forbidden", json={})
        assert (denied.status_code, denied.headers["x-why"]) == (403, "policy")
        clash = await running.http.post("/conflict", json={})
        assert (clash.status_code, clash.json()["error"]["message"]) == (409, '{"field":"name"}')
        csv = await running.http.post("/download", json={"rows": 2})
        assert (csv.headers["content-type"], csv.text) == ("text/csv; charset=utf-8", "0,row\n1,row\n")
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await running.call("Forbidden", {})
        assert caught.value.code() is grpc.StatusCode.PERMISSION_DENIED
        over_grpc = await running.call("Inspect", {"x": 5}, metadata=[("x-custom", "g")])
        assert over_grpc.fields["json"].struct_value["x"] == 5  # type: ignore[attr-defined]


class Full(BaseModel):
    text: str = Field(..., min_length=1, description="What to say", examples=["hello"])
    temperature: float = Field(0.7, ge=0.0, le=2.0)


class Minimal(BaseModel):
    text: str = Field(..., examples=["hi"])


async def test_openapi_carries_pydantic_schemas_and_the_minimal_example() -> None:
    chute = Chute(username="options", name="schemas")

    @chute.cord(public_api_path="/say", input_schema=Full, minimal_input_schema=Minimal)
    async def say(self: Any, data: Full) -> Reply:
        return Reply(answer=len(data.text))

    async with serve_chute(chute) as running:
        spec = (await running.http.get("/openapi.json")).json()
        said = await running.http.post("/say", json={"text": "abc"})
    operation = spec["paths"]["/say"]["post"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]
    assert request["properties"]["text"] == {
        "description": "What to say",
        "examples": ["hello"],
        "minLength": 1,
        "title": "Text",
        "type": "string",
    }
    assert request["properties"]["temperature"]["maximum"] == 2.0
    assert request["examples"] == [{"text": "hi"}]
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert response["properties"]["answer"]["type"] == "integer"
    assert said.text == '{"answer":3,"tokens":[]}'


async def test_urlencoded_forms_fill_form_parameters() -> None:
    from fastapi import Form

    chute = Chute(username="options", name="forms")

    @chute.cord(public_api_path="/login")
    async def login(
        self: Any, username: str = Form(...), remember: bool = Form(False), age: int = Form(0)
    ) -> dict[str, Any]:
        return {"username": username, "remember": remember, "age": age}

    async with serve_chute(chute) as running:
        form = await running.http.post("/login", data={"username": "ada", "remember": "true", "age": "36"})
        assert form.json() == {"username": "ada", "remember": True, "age": 36}
        as_json = await running.http.post(
            "/login",
            content=b'{"username": "bo"}',
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert as_json.json() == {"username": "bo", "remember": False, "age": 0}
        bad = await running.http.post("/login", data={"username": "ada", "age": "old"})
        assert (bad.status_code, bad.json()["error"]["param"]) == (400, "age")
        unknown = await running.http.post("/login", data={"username": "ada", "shoe": "9"})
        assert (unknown.status_code, unknown.json()["error"]["param"]) == (400, "shoe")
