"""cordwire.templates over a Triton model repository the test writes (numpy-only models that
follow the documented tensor contract), through a real embedded Triton, over HTTP and gRPC."""

from __future__ import annotations

import base64
import json
import pathlib
import textwrap
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest

from cordwire.templates import build_embedding_chute, build_image_chute, build_llm_chute
from cordwire.testing import RunningChute, serve_chute

pytestmark = pytest.mark.triton

LM_CONFIG = """
backend: "python"
max_batch_size: 0
model_transaction_policy { decoupled: True }
input [
  { name: "prompt", data_type: TYPE_STRING, dims: [ 1 ], optional: true },
  { name: "messages", data_type: TYPE_STRING, dims: [ 1 ], optional: true },
  { name: "max_tokens", data_type: TYPE_INT32, dims: [ 1 ] },
  { name: "temperature", data_type: TYPE_FP32, dims: [ 1 ], optional: true },
  { name: "top_p", data_type: TYPE_FP32, dims: [ 1 ], optional: true },
  { name: "seed", data_type: TYPE_INT64, dims: [ 1 ], optional: true }
]
output [
  { name: "text", data_type: TYPE_STRING, dims: [ 1 ] },
  { name: "finish_reason", data_type: TYPE_STRING, dims: [ 1 ] },
  { name: "prompt_tokens", data_type: TYPE_INT32, dims: [ 1 ] },
  { name: "completion_tokens", data_type: TYPE_INT32, dims: [ 1 ] }
]
instance_group [{ kind: KIND_CPU }]
"""
# Echoes the prompt (or the last message) word by word, up to max_tokens words.
LM_MODEL = """
import json
import numpy as np
import triton_python_backend_utils as pb_utils


def scalar(request, name):
    tensor = pb_utils.get_input_tensor_by_name(request, name)
    return None if tensor is None else tensor.as_numpy().reshape(-1)[0]


class TritonPythonModel:
    def execute(self, requests):
        for request in requests:
            sender = request.get_response_sender()
            messages = scalar(request, "messages")
            if messages is not None:
                text = json.loads(messages)[-1]["content"]
            else:
                text = scalar(request, "prompt").decode()
            words, limit = text.split(), int(scalar(request, "max_tokens"))
            for i, word in enumerate(words[:limit]):
                sender.send(self.response((" " if i else "") + word, "", len(words), i + 1))
            reason = "length" if len(words) > limit else "stop"
            done = min(limit, len(words))
            final = pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL
            sender.send(self.response("", reason, len(words), done), flags=final)
        return None

    def response(self, text, reason, prompt, completion):
        return pb_utils.InferenceResponse(output_tensors=[
            pb_utils.Tensor("text", np.array([text.encode()], dtype=np.object_)),
            pb_utils.Tensor("finish_reason", np.array([reason.encode()], dtype=np.object_)),
            pb_utils.Tensor("prompt_tokens", np.array([prompt], dtype=np.int32)),
            pb_utils.Tensor("completion_tokens", np.array([completion], dtype=np.int32)),
        ])
"""
EMBED_CONFIG = """
backend: "python"
max_batch_size: 4
input [ { name: "text", data_type: TYPE_STRING, dims: [ 1 ] } ]
output [
  { name: "embedding", data_type: TYPE_FP32, dims: [ 3 ] },
  { name: "token_count", data_type: TYPE_INT32, dims: [ 1 ] }
]
instance_group [{ kind: KIND_CPU }]
"""
# [characters, words, 1] per text; token_count = words.
EMBED_MODEL = """
import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            tensor = pb_utils.get_input_tensor_by_name(request, "text")
            texts = [t.decode() for t in tensor.as_numpy().reshape(-1)]
            vectors = np.array([[len(t), len(t.split()), 1.0] for t in texts], dtype=np.float32)
            counts = np.array([[len(t.split())] for t in texts], dtype=np.int32)
            responses.append(pb_utils.InferenceResponse(output_tensors=[
                pb_utils.Tensor("embedding", vectors), pb_utils.Tensor("token_count", counts)
            ]))
        return responses
"""
IMAGE_CONFIG = """
backend: "python"
max_batch_size: 0
input [
  { name: "prompt", data_type: TYPE_STRING, dims: [ 1 ] },
  { name: "width", data_type: TYPE_INT32, dims: [ 1 ], optional: true },
  { name: "height", data_type: TYPE_INT32, dims: [ 1 ], optional: true },
  { name: "seed", data_type: TYPE_INT64, dims: [ 1 ], optional: true }
]
output [ { name: "image", data_type: TYPE_STRING, dims: [ 1 ] } ]
instance_group [{ kind: KIND_CPU }]
"""
IMAGE_MODEL = """
import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            def get(name):
                return pb_utils.get_input_tensor_by_name(request, name).as_numpy().reshape(-1)[0]

            parts = [get("prompt")] + [str(get(n)).encode() for n in ("width", "height", "seed")]
            body = b"\\x89PNG" + b"|".join(parts)
            responses.append(pb_utils.InferenceResponse(output_tensors=[
                pb_utils.Tensor("image", np.array([body], dtype=np.object_))
            ]))
        return responses
"""


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    root = tmp_path_factory.mktemp("template_models")
    for name, config, model in [
        ("echo_lm", LM_CONFIG, LM_MODEL),
        ("count_embed", EMBED_CONFIG, EMBED_MODEL),
        ("stamp_image", IMAGE_CONFIG, IMAGE_MODEL),
    ]:
        (root / name / "1").mkdir(parents=True)
        (root / name / "config.pbtxt").write_text(f'name: "{name}"\n' + textwrap.dedent(config))
        (root / name / "1" / "model.py").write_text(textwrap.dedent(model))
    return root


@pytest.fixture(scope="module")
async def running(repository: pathlib.Path) -> AsyncIterator[RunningChute]:
    chute = build_llm_chute(
        username="templates", name="all", model_repository=repository, model="echo_lm", served_name="echo"
    )
    build_embedding_chute(model="count_embed", batch_size=4, into=chute)  # one chute, one Triton
    build_image_chute(model="stamp_image", into=chute)
    async with serve_chute(chute, ready_timeout=240) as running:
        yield running


@pytest.mark.timeout(300)  # the first test pays for Triton's start
async def test_chat_completion_and_stream(running: RunningChute) -> None:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": "one two three"}], "max_tokens": 2}
    reply = (await running.http.post("/v1/chat/completions", json=body)).json()
    assert reply["object"] == "chat.completion" and reply["model"] == "echo"
    assert reply["choices"] == [
        {"index": 0, "message": {"role": "assistant", "content": "one two"}, "finish_reason": "length"}
    ]
    assert reply["usage"] == {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    streamed = await running.http.post("/v1/chat/completions", json={**body, "stream": True})
    events = [json.loads(line[6:]) for line in streamed.text.split("\n") if line.startswith("data: {")]
    assert [e["choices"][0]["delta"].get("content") for e in events] == ["one", " two", None]
    assert events[-1]["choices"][0]["finish_reason"] == "length"
    assert streamed.text.endswith("data: [DONE]\n\n")
    wrong = await running.http.post("/v1/chat/completions", json={**body, "model": "gpt-9"})
    assert wrong.status_code == 404
    assert (await running.http.post("/v1/chat/completions", json={"messages": []})).status_code == 400


async def test_completion_models_and_grpc(running: RunningChute) -> None:
    reply = (await running.http.post("/v1/completions", json={"prompt": "a b", "max_tokens": 5})).json()
    assert (reply["choices"][0]["text"], reply["choices"][0]["finish_reason"]) == ("a b", "stop")
    models = (await running.http.get("/v1/models")).json()
    assert models["data"] == [{"id": "echo", "object": "model", "owned_by": "templates"}]
    over_grpc = await running.call("Completion", {"prompt": "x y z", "max_tokens": 1})
    assert over_grpc["choices"][0]["text"] == "x"  # type: ignore[index]


async def test_embeddings(running: RunningChute) -> None:
    texts = ["a", "a b", "a b c", "x", "hello world"]  # two Triton batches of at most 4
    reply = (await running.http.post("/v1/embeddings", json={"input": texts})).json()
    assert [d["embedding"] for d in reply["data"]] == [
        [len(t), len(t.split()), 1] for t in texts
    ]  # fmt: skip
    assert reply["usage"] == {"prompt_tokens": 9, "total_tokens": 9}
    packed = (
        await running.http.post("/v1/embeddings", json={"input": "a b", "encoding_format": "base64"})
    ).json()
    vector = np.frombuffer(base64.b64decode(packed["data"][0]["embedding"]), dtype="<f4")
    assert vector.tolist() == [3.0, 2.0, 1.0]
    assert (await running.http.post("/v1/embeddings", json={"input": [""]})).status_code == 400


async def test_images(running: RunningChute) -> None:
    body = {"prompt": "fox", "n": 2, "size": "64x32", "seed": 7}
    reply = (await running.http.post("/v1/images/generations", json=body)).json()
    images = [base64.b64decode(d["b64_json"]) for d in reply["data"]]
    assert images == [b"\x89PNGfox|64|32|7", b"\x89PNGfox|64|32|8"]
    bad = await running.http.post("/v1/images/generations", json={"prompt": "fox", "size": "big"})
    assert (bad.status_code, bad.json()["error"]["param"]) == (400, "size")


@pytest.fixture(scope="module")
async def over_demo_models(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningChute]:
    """The templates over the bundled demo's own models (tiny_lm and image: their contract)."""
    import cordwire.demo

    demo = pathlib.Path(cordwire.demo.__file__).with_name("models")
    root = tmp_path_factory.mktemp("demo_models")
    for name in ("tiny_lm", "image"):
        (root / name).symlink_to(demo / name, target_is_directory=True)
    chute = build_llm_chute(username="templates", name="demo", model_repository=root, served_name="tiny-lm")
    build_image_chute(into=chute, served_name="tiny-image")
    async with serve_chute(chute, ready_timeout=240) as running:
        yield running


@pytest.mark.timeout(300)
async def test_templates_over_the_demo_models(over_demo_models: RunningChute) -> None:
    body = {"messages": [{"role": "user", "content": "Tell me a story."}], "max_tokens": 8, "seed": 1}
    first = (await over_demo_models.http.post("/v1/chat/completions", json=body)).json()
    again = (await over_demo_models.http.post("/v1/chat/completions", json=body)).json()
    assert first["choices"][0]["message"]["content"] == again["choices"][0]["message"]["content"] != ""
    assert first["usage"]["completion_tokens"] <= 8
    streamed = await over_demo_models.http.post(
        "/v1/completions", json={"prompt": "Once", "stream": True, "seed": 1}
    )
    assert streamed.text.endswith("data: [DONE]\n\n") and '"finish_reason":' in streamed.text
    image = (
        await over_demo_models.http.post("/v1/images/generations", json={"prompt": "a fox", "size": "64x64"})
    ).json()
    assert base64.b64decode(image["data"][0]["b64_json"]).startswith(b"\x89PNG")
