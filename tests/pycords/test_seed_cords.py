"""Every example of the seeds' Cords document on the main seed chute, over HTTP and gRPC."""

from __future__ import annotations

import json
import types
from typing import Any

import grpc
import pytest
from google.protobuf import json_format

from cordwire.testing import RunningChute


def as_dict(message: Any) -> Any:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


async def stream(running: RunningChute, rpc: str, fields: dict[str, Any]) -> list[Any]:
    return [m async for m in running.method(rpc)(running.request(rpc, fields))]


def sse(text: str) -> list[Any]:
    events = [line[len("data: ") :] for line in text.split("\n") if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    return [json.loads(e) for e in events[:-1]]


async def test_simple_cord(running: RunningChute) -> None:
    response = await running.http.post("/hello", json={"name": "Ada"})
    assert response.status_code == 200
    assert response.json() == {"message": "Hello, Ada!"}
    assert as_dict(await running.call("SayHello", {"name": "Ada"})) == {"message": "Hello, Ada!"}


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"name": "Ada"}, 200, {"greeting": "Hello, Ada!"}),
        ({"name": "Ada", "language": "fr"}, 200, {"greeting": "Bonjour, Ada!"}),
        ({"name": ""}, 400, "name"),
        ({"name": "Ada", "language": "xx"}, 400, "language"),
        ({"language": "de"}, 400, "name"),
    ],
)
async def test_input_validation(
    running: RunningChute, body: dict[str, Any], status: int, expected: Any
) -> None:
    response = await running.http.post("/greet", json=body)
    assert response.status_code == status
    if status == 200:
        assert response.json() == expected
    else:
        error = response.json()["error"]
        assert (error["param"], error["code"]) == (expected, "invalid_argument")


async def test_input_validation_over_grpc(running: RunningChute) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await running.call("Greet", {"name": "Ada", "language": "xx"})
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert ("cordwire-error-param", "language") in tuple(caught.value.trailing_metadata() or ())
    assert as_dict(await running.call("Greet", {"name": "Ada", "language": "es"})) == {
        "greeting": "¡Hola, Ada!"
    }


async def test_get_and_put_methods(running: RunningChute) -> None:
    assert (await running.http.get("/status")).json() == {"status": "healthy"}
    assert (await running.http.post("/status")).status_code in (404, 405)
    response = await running.http.put("/update", json={"config": {"a": [1, "b"], "c": None}})
    assert response.json() == {"updated": True}
    assert as_dict(await running.call("UpdateConfig", {"config": {"x": 1}})) == {"updated": True}


async def test_minimal_input_schema_and_defaults(running: RunningChute, seeds: types.ModuleType) -> None:
    response = await running.http.post("/generate", json={"text": "hello there"})
    assert response.json() == {
        "text": "hello there",
        "params": {"temperature": 0.7, "top_p": 0.9, "frequency_penalty": 0.0},
    }
    response = await running.http.post(
        "/generate", json={"text": "hello there", "max_length": 5, "top_p": 0.5}
    )
    assert response.json()["text"] == "hello"
    assert response.json()["params"]["top_p"] == 0.5
    bad = await running.http.post("/generate", json={"text": "x", "max_length": 0})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "max_length"
    cord = seeds.chute.python_cords["Generate"]
    assert (cord.input_schema, cord.minimal_input_schema) == (seeds.FullInput, seeds.SimpleInput)


@pytest.mark.parametrize(("path", "rpc", "media", "magic"), [
    ("/generate-image", "GenerateImage", "image/jpeg", b"\xff\xd8"),
    ("/generate-audio", "GenerateAudio", "audio/wav", b"RIFF"),
])  # fmt: skip
async def test_output_content_type(
    running: RunningChute, path: str, rpc: str, media: str, magic: bytes
) -> None:
    field = "prompt" if rpc == "GenerateImage" else "text"
    response = await running.http.post(path, json={field: "a red fox"})
    assert response.status_code == 200
    assert response.headers["content-type"] == media
    assert response.content.startswith(magic)
    body = await running.call(rpc, {field: "a red fox"})
    assert (body.content_type, body.data) == (media, response.content)  # type: ignore[attr-defined]


async def test_stream(running: RunningChute) -> None:
    response = await running.http.post("/stream-generate", json={"prompt": "one two"})
    assert response.headers["content-type"].startswith("text/event-stream")
    assert sse(response.text) == [
        {"token": "one", "done": False},
        {"token": "two", "done": False},
        {"token": "", "done": True},
    ]
    messages = await stream(running, "StreamGenerate", {"prompt": "one two"})
    assert [as_dict(m)["token"] for m in messages] == ["one", "two", ""]


async def test_self_parameter_and_unit_testing_example(running: RunningChute) -> None:
    first = (await running.http.post("/predict", json={"text": "Hello world"})).json()
    second = (await running.http.post("/predict", json={"text": "Hello world"})).json()
    assert "result" in first
    assert second["count"] == first["count"] + 1


async def test_direct_parameters(running: RunningChute) -> None:
    assert (await running.http.post("/simple", json={"text": "t"})).json() == {
        "text": "t",
        "temperature": 0.7,
    }
    assert (await running.http.post("/simple", json={"text": "t", "temperature": 0})).json()[
        "temperature"
    ] == 0
    reply = as_dict(await running.call("SimpleEndpoint", {"text": "t", "temperature": 1.5}))
    assert reply == {"text": "t", "temperature": 1.5}


async def test_pydantic_model_input_and_json_response(running: RunningChute) -> None:
    assert (await running.http.post("/validated", json={"text": "abc"})).json() == {"processed": "abc"}
    assert (await running.http.post("/json", json={"text": "abc"})).json() == {"result": "processed"}


async def test_custom_response_object(running: RunningChute) -> None:
    response = await running.http.post("/custom", json={"data": "x"})
    assert response.text == "Custom content"
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["x-custom-header"] == "value"
    call = running.method("CustomResponse")(running.request("CustomResponse", {"data": "x"}))
    assert (await call).data == b"Custom content"
    assert ("x-custom-header", "value") in tuple(await call.initial_metadata())


async def test_streaming_response(running: RunningChute) -> None:
    events = sse((await running.http.post("/stream", json={"prompt": "p"})).text)
    assert [e["chunk"] for e in events] == list(range(10))
    assert events[3]["data"] == "Generated text 3"


async def test_request_context(running: RunningChute) -> None:
    response = await running.http.post("/context", json={"text": "good"})
    assert response.json()["metadata"]["client_ip"] == "127.0.0.1"
    reply = as_dict(await running.call("WithContext", {"text": "good"}, metadata=[("x-trace", "1")]))
    assert reply["metadata"]["client_ip"] == "127.0.0.1"
    assert reply["metadata"]["user_agent"].startswith("grpc-python")


async def test_file_upload(running: RunningChute) -> None:
    data = bytes(range(256)) * 4 + b"\r\n--not-a-boundary\r\n"
    files = {"file": ("scan.bin", data, "application/x-scan")}
    reply = (await running.http.post("/upload", files=files)).json()
    assert (reply["filename"], reply["size"]) == ("scan.bin", len(data))
    assert reply["result"]["content_type"] == "application/x-scan"
    upload = {"file": {"filename": "a.txt", "content_type": "text/plain", "data": "aGk="}}
    assert as_dict(await running.call("UploadFile", upload))["size"] == 2
    missing = await running.http.post("/upload", json={})
    assert missing.status_code == 400 and missing.json()["error"]["param"] == "file"


async def test_response_headers(running: RunningChute) -> None:
    response = await running.http.post("/with-headers", json={"text": "good"})
    assert response.json() == {"result": {"label": "positive", "length": 4}}
    assert response.headers["x-processing-time"] == "123ms"
    assert response.headers["x-model-version"] == "fake-text-1"


async def test_text_streaming(running: RunningChute) -> None:
    events = sse((await running.http.post("/stream-text", json={"prompt": "hi there"})).text)
    assert events[0] == {"choices": [{"delta": {"content": "hi"}, "index": 0, "finish_reason": None}]}
    assert events[-1]["choices"][0]["finish_reason"] == "stop"
    assert len(events) == 3


async def test_binary_streaming(running: RunningChute) -> None:
    response = await running.http.post("/stream-audio", json={"text": "a b"})
    assert response.headers["content-type"] == "audio/wav"
    assert response.content == b"RIFF\x00\x00\x00\x00WAVEab"
    chunks = await stream(running, "StreamAudio", {"text": "a b"})
    assert [c.data for c in chunks] == [b"RIFF\x00\x00\x00\x00WAVE", b"a", b"b"]


async def test_server_sent_events_pass_through(running: RunningChute) -> None:
    response = await running.http.post("/events", json={"prompt": "x y"})
    assert response.headers["content-type"] == "text/event-stream"
    assert response.text == 'data: {"index": 0, "word": "x"}\n\ndata: {"index": 1, "word": "y"}\n\n'


@pytest.mark.parametrize(("body", "status", "expected"), [
    ({"text": "  spaced  "}, 200, {"text": "spaced", "language": "en"}),
    ({"text": "t", "language": "de"}, 200, {"text": "t", "language": "de"}),
    ({"text": "   "}, 400, "text"),
    ({"text": "t", "language": "deu"}, 400, "language"),
])  # fmt: skip
async def test_best_practice_validation(running: RunningChute, body: Any, status: int, expected: Any) -> None:
    response = await running.http.post("/process_text", json=body)
    assert response.status_code == status
    assert response.json() == expected if status == 200 else response.json()["error"]["param"] == expected


@pytest.mark.parametrize(("text", "status", "message"), [
    ("fine", 200, None),
    ("", 400, "Text is required"),
    ("x" * 10001, 413, "Text too long"),
    ("boom", 500, "Internal server error"),
])  # fmt: skip
async def test_best_practice_errors(
    running: RunningChute, text: str, status: int, message: str | None
) -> None:
    response = await running.http.post("/robust", json={"text": text})
    assert response.status_code == status
    if message:
        assert response.json()["error"]["message"] == message


async def test_batching_and_limits(running: RunningChute) -> None:
    assert (await running.http.post("/optimized", json={"texts": ["a", "bb"] * 20})).json()["results"][
        :2
    ] == [1, 2]
    assert (await running.http.post("/optimized", json={"texts": ["a"] * 101})).status_code == 413
    assert (await running.http.post("/optimized", json={"texts": []})).json() == {"results": []}


async def test_resource_management(running: RunningChute) -> None:
    form = await running.http.post("/resource-managed", files={"file_data": ("x", b"\x00" * 300)})
    assert form.json() == {"result": {"bytes": 300}}
    as_json = await running.http.post("/resource-managed", json={"file_data": "AAAA"})
    assert as_json.json() == {"result": {"bytes": 3}}
    reply = await running.call("ResourceManagedEndpoint", {"file_data": "AAAAAA=="})
    assert as_dict(reply) == {"result": {"bytes": 4}}


async def test_authentication_dependency(running: RunningChute, seeds: types.ModuleType) -> None:
    token = seeds.sign_token({"username": "ada"}, "secret")
    ok = await running.http.post("/secure", json={"text": "t"}, headers={"Authorization": f"Bearer {token}"})
    assert ok.json()["user"] == "ada"
    missing = await running.http.post("/secure", json={"text": "t"})
    assert missing.status_code == 401 and missing.json()["error"]["message"] == "Missing or invalid token"
    forged = await running.http.post("/secure", json={"text": "t"}, headers={"Authorization": "Bearer 00.ff"})
    assert forged.status_code == 401
    reply = await running.call(
        "SecureEndpoint", {"text": "t"}, metadata=[("authorization", f"Bearer {token}")]
    )
    assert as_dict(reply)["user"] == "ada"


async def test_rate_limiting(running: RunningChute, seeds: types.ModuleType) -> None:
    seeds.request_counts.clear()
    statuses = [(await running.http.post("/rate-limited", json={"text": "t"})).status_code for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    seeds.request_counts.clear()


async def test_caching_with_startup_state(running: RunningChute) -> None:
    first = (await running.http.post("/cached", json={"text": "cache me"})).json()
    again = (await running.http.post("/cached", json={"text": "cache me"})).json()
    other = (await running.http.post("/cached", json={"text": "cache me", "temperature": 1})).json()
    assert (first["cached"], again["cached"], other["cached"]) == (False, True, False)
