"""The Cords seed's examples as written (seed_examples/: FastAPI imports, only the Chute import
changed), with the statuses the document expects, over HTTP (the chute itself as the ASGI app)
and over gRPC (the synthesized protos)."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import importlib
import json
import sys
import types
import warnings
from collections.abc import AsyncIterator
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf import json_format
from pydantic.warnings import PydanticDeprecatedSince20

from cordwire.testing import RunningChute, serve_chute
from tests.conftest import ROOT

# The document's pydantic v1 spellings (`@validator`, `.dict()`) still work on pydantic 2, with a
# deprecation warning; the port guide says so.
pytestmark = pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20")


def example(name: str) -> types.ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PydanticDeprecatedSince20)
        return importlib.import_module(f"tests.pycords.seed_examples.{name}")


def client(chute: Any) -> httpx.AsyncClient:
    """The seed's unit-test client, with httpx 0.28's spelling (`app=` became a transport)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=chute), base_url="http://test")


def as_dict(message: Any) -> Any:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def sse(text: str) -> list[Any]:
    events = [line[len("data: ") :] for line in text.split("\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    return [json.loads(e) for e in events[:-1]]


@pytest.fixture(scope="module")
async def grpc_practices() -> AsyncIterator[RunningChute]:
    async with serve_chute(example("practices").chute) as running:
        yield running


# --- Testing Cords: the unit test, as the document writes it ---------------------------------


async def test_predict_endpoint() -> None:
    chute = example("signatures").chute
    async with client(chute) as client_:
        response = await client_.post("/predict", json={"text": "Hello world"})
        assert response.status_code == 200
        data = response.json()
        assert "result" in data
        again = (await client_.post("/predict", json={"text": "Hello world"})).json()
        assert again["count"] == data["count"] + 1  # Self Parameter: state set at start-up


# The document's "Local Testing" block runs as written; only the socket moves to a free loopback
# port (tests never bind fixed ports or 0.0.0.0).
LOCAL_TESTING = """
import runpy
import uvicorn

run = uvicorn.run
uvicorn.run = lambda app, **options: run(app, **{**options, "host": "127.0.0.1", "port": 0})
runpy.run_module("tests.pycords.seed_examples.signatures", run_name="__main__")
"""


async def test_local_testing_uvicorn_run() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LOCAL_TESTING, cwd=ROOT, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    try:
        url = ""
        async with asyncio.timeout(60):
            while not url:
                line = (await process.stderr.readline()).decode()
                assert line, "uvicorn exited before it served"
                if "Uvicorn running on " in line:
                    url = line.split("Uvicorn running on ")[1].split()[0]
        async with httpx.AsyncClient(base_url=url) as http:
            response = await http.post("/predict", json={"text": "Hello world"})
            assert response.status_code == 200
            assert "result" in response.json()
            assert (await http.get("/healthz")).status_code == 200
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 30)


# --- Basic Cord Definition and method ---------------------------------------------------------


@pytest.mark.parametrize(("path", "body", "status", "expected"), [
    ("/predict", {"text": "good"}, 200, {"prediction": {"label": "positive", "length": 4}}),
    ("/hello", {"name": "Ada"}, 200, {"message": "Hello, Ada!"}),
    ("/greet", {"name": "Ada", "language": "fr"}, 200, {"greeting": "Bonjour, Ada!"}),
    ("/greet", {"name": ""}, 400, "name"),
    ("/greet", {"name": "Ada", "language": "xx"}, 400, "language"),
])  # fmt: skip
async def test_basic(path: str, body: dict[str, Any], status: int, expected: Any) -> None:
    async with client(example("basic").chute) as http:
        response = await http.post(path, json=body)
    assert response.status_code == status
    if status == 200:
        assert response.json() == expected
    else:
        assert response.json()["error"]["param"] == expected


async def test_methods() -> None:
    async with client(example("basic").chute) as http:
        assert (await http.get("/status")).json() == {"status": "healthy"}
        assert (await http.put("/update", json={"config": {"a": 1}})).json() == {"updated": True}
        assert (await http.post("/status")).status_code in (404, 405)


async def test_basic_over_grpc() -> None:
    async with serve_chute(example("basic").chute) as running:
        assert as_dict(await running.call("Greet", {"name": "Ada", "language": "de"})) == {
            "greeting": "Hallo, Ada!"
        }
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await running.call("Greet", {"name": "Ada", "language": "xx"})
        assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT


# --- Cord parameters ------------------------------------------------------------------------


async def test_parameters() -> None:
    module = example("parameters")
    async with client(module.chute) as http:
        ok = await http.post("/predict", json={"text": "hello", "max_length": 2})
        assert ok.json() == {"text": "he", "params": {"temperature": 0.7}}
        bad = await http.post("/predict", json={"text": "hello", "max_length": 0})
        assert (bad.status_code, bad.json()["error"]["param"]) == (400, "max_length")
        minimal = await http.post("/generate", json={"text": "hi"})
        assert minimal.json()["params"] == {"temperature": 0.7, "top_p": 0.9, "frequency_penalty": 0.0}
        image = await http.post("/generate-image", json={"prompt": "fox"})
        assert image.headers["content-type"] == "image/jpeg" and image.content.startswith(b"\xff\xd8")
        audio = await http.post("/generate-audio", json={"text": "hi"})
        assert audio.headers["content-type"] == "audio/wav" and audio.content.startswith(b"RIFF")
        stream = await http.post("/stream-generate", json={"prompt": "one two"})
        assert [e["token"] for e in sse(stream.text)] == ["one", "two", ""]
    async with serve_chute(module.chute) as running:
        body = await running.call("GenerateImage", {"prompt": "fox"})
        assert body.content_type == "image/jpeg"  # type: ignore[attr-defined]
        tokens = [as_dict(m)["token"] async for m in running.method("StreamGenerate")(
            running.request("StreamGenerate", {"prompt": "a b"})
        )]  # fmt: skip
        assert tokens == ["a", "b", ""]


# --- Function signatures and return types ------------------------------------------------------


async def test_signatures_and_return_types() -> None:
    async with client(example("signatures").chute) as http:
        assert (await http.post("/simple", json={"text": "t"})).json() == {"text": "t", "temperature": 0.7}
        assert (await http.post("/validated", json={"text": "v"})).json() == {"processed": "v"}
        assert (await http.post("/json", json={"text": "x"})).json() == {"result": "processed"}
        custom = await http.post("/custom", json={"data": "x"})
        assert custom.text == "Custom content"
        assert custom.headers["content-type"].startswith("text/plain")
        assert custom.headers["x-custom-header"] == "value"
        events = sse((await http.post("/stream", json={"prompt": "p"})).text)
        assert [e["chunk"] for e in events] == list(range(10))


# --- Advanced features: FastAPI's HTTPException, Request, UploadFile/File, Response -----------


@pytest.mark.parametrize(("text", "status", "message"), [
    ("good", 200, None),
    ("   ", 400, "Text cannot be empty"),
    ("boom", 500, "Prediction failed"),
])  # fmt: skip
async def test_error_handling(text: str, status: int, message: str | None) -> None:
    async with client(example("advanced").chute) as http:
        response = await http.post("/predict", json={"text": text})
    assert response.status_code == status
    if message is not None:
        assert response.json()["error"]["message"] == message


async def test_request_upload_and_headers() -> None:
    async with client(example("advanced").chute) as http:
        context = (
            await http.post("/context", json={"text": "good"}, headers={"User-Agent": "seed/1"})
        ).json()
        assert context["metadata"] == {"client_ip": "127.0.0.1", "user_agent": "seed/1"}
        files = {"file": ("scan.bin", b"\x00\x01data", "application/x-scan")}
        upload = (await http.post("/upload", files=files)).json()
        assert (upload["filename"], upload["size"]) == ("scan.bin", 6)
        assert upload["result"]["content_type"] == "application/x-scan"
        missing = await http.post("/upload", json={})
        assert (missing.status_code, missing.json()["error"]["param"]) == (400, "file")
        with_headers = await http.post("/with-headers", json={"text": "good"})
        assert with_headers.json() == {"result": {"label": "positive", "length": 4}}
        assert with_headers.headers["x-processing-time"] == "123ms"
        assert with_headers.headers["x-model-version"] == "fake-text-1"


async def test_streaming_in_detail() -> None:
    async with client(example("advanced").chute) as http:
        text = sse((await http.post("/stream-text", json={"prompt": "hi there"})).text)
        assert text[0]["choices"][0]["delta"] == {"content": "hi"}
        assert text[-1]["choices"][0]["finish_reason"] == "stop"
        audio = await http.post("/stream-audio", json={"text": "a b"})
        assert (audio.headers["content-type"], audio.content) == ("audio/wav", b"RIFF\x00\x00\x00\x00WAVEab")
        events = await http.post("/events", json={"prompt": "x y"})
        assert events.headers["content-type"].startswith("text/event-stream")
        assert 'data: {"index": 1, "word": "y"}' in events.text


async def test_advanced_over_grpc() -> None:
    async with serve_chute(example("advanced").chute) as running:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await running.call("Predict", {"text": " "})
        assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert caught.value.details() == "Text cannot be empty"
        reply = as_dict(await running.call("WithContext", {"text": "good"}))
        assert reply["metadata"]["client_ip"] == "127.0.0.1"
        upload = {"file": {"filename": "a.txt", "content_type": "text/plain", "data": "aGk="}}
        assert as_dict(await running.call("UploadFile", upload))["size"] == 2


# --- Best practices and common patterns -------------------------------------------------------


@pytest.mark.parametrize(("path", "body", "status"), [
    ("/process_text", {"text": "  hi  "}, 200),
    ("/process_text", {"text": "   "}, 400),
    ("/process_text", {"text": "hi", "language": "EN"}, 400),
    ("/robust", {"text": "fine"}, 200),
    ("/robust", {"text": "   "}, 400),
    ("/robust", {"text": "x" * 10001}, 413),
    ("/robust", {"text": "boom"}, 500),
    ("/optimized", {"texts": ["a"] * 100}, 200),
    ("/optimized", {"texts": ["a"] * 101}, 413),
    ("/resource-managed", {"file_data": base64.b64encode(b"12345").decode()}, 200),
])  # fmt: skip
async def test_best_practices(path: str, body: dict[str, Any], status: int) -> None:
    async with client(example("practices").chute) as http:
        response = await http.post(path, json=body)
    assert response.status_code == status, response.text
    if path == "/process_text" and status == 200:
        assert response.json() == {"text": "hi", "language": "en"}
    if path == "/resource-managed":
        assert response.json() == {"result": {"bytes": 5}}


async def test_authentication_with_depends_and_header() -> None:
    module = example("practices")
    token = module.jwt.encode({"username": "ada"}, "secret", algorithm="HS256")
    forged = module.jwt.encode({"username": "eve"}, "not-the-secret", algorithm="HS256")
    async with client(module.chute) as http:
        assert (await http.post("/secure", json={"text": "t"})).status_code == 401
        bad = await http.post("/secure", json={"text": "t"}, headers={"Authorization": f"Bearer {forged}"})
        assert (bad.status_code, bad.json()["error"]["message"]) == (401, "Invalid token")
        ok = await http.post("/secure", json={"text": "t"}, headers={"Authorization": f"Bearer {token}"})
        assert (ok.status_code, ok.json()["user"]) == (200, "ada")


async def test_rate_limit_and_cache(grpc_practices: RunningChute) -> None:
    module = example("practices")
    module.request_counts.clear()
    async with client(module.chute) as http:
        statuses = [(await http.post("/rate-limited", json={"text": "t"})).status_code for _ in range(11)]
        assert statuses == [200] * 10 + [429]
        first = (await http.post("/cached", json={"text": "c"})).json()
        second = (await http.post("/cached", json={"text": "c"})).json()
        assert (first["cached"], second["cached"]) == (False, True)
    # Over gRPC the same statuses, as codes (the limiter keys on the gRPC peer's host, also 127.0.0.1).
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await grpc_practices.call("RateLimitedEndpoint", {"text": "t"})
    assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    module.request_counts.clear()


async def test_practices_over_grpc(grpc_practices: RunningChute) -> None:
    module = example("practices")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await grpc_practices.call("SecureEndpoint", {"text": "t"})
    assert caught.value.code() is grpc.StatusCode.UNAUTHENTICATED
    token = module.jwt.encode({"username": "ada"}, "secret", algorithm="HS256")
    reply = await grpc_practices.call(
        "SecureEndpoint", {"text": "t"}, metadata=[("authorization", f"Bearer {token}")]
    )
    assert as_dict(reply)["user"] == "ada"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await grpc_practices.call("OptimizedEndpoint", {"texts": ["a"] * 101})
    assert caught.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED  # 413 in the status table


# --- passthrough (port 8000 in the document; moved to a free port here) -----------------------


async def test_passthrough_example(upstream_port: int) -> None:
    module = example("passthrough")
    cords = module.chute._pycords
    assert [c.passthrough_port for c in cords] == [8000]  # as the document declares it
    relocated = module.chute.__class__(username="myuser", name=f"passthrough-{upstream_port}")
    relocated._pycords = [dataclasses.replace(cords[0], passthrough_port=upstream_port)]
    async with client(relocated) as http:
        response = await http.post("/v1/chat/completions?trace=1", json={"model": "tiny"})
    await relocated.aclose()  # before the upstream goes: its pooled connection closes with the chute
    assert response.status_code == 200, response.text
    assert response.json() == {"echo": {"model": "tiny"}, "query": "trace=1"}
