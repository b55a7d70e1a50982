"""The demo's OpenAI handlers report their tokens: usage matches the `usage` fields they return."""

from __future__ import annotations

import contextlib
import pathlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import openai
import pytest

from cordwire.demo import chute
from cordwire.gateway import USAGE_PATH, create_app, usage_page
from cordwire.server import ChuteServer
from cordwire.server.admission import Admission, KeyAuthenticator, KeyStore, admission_guard
from cordwire.server.usage import LocalQuotas, SqliteUsageStore, UsageMeter, usage_db_beside, usage_reader

pytestmark = [pytest.mark.triton, pytest.mark.timeout(300)]  # the embedded Triton loads 3 models


@pytest.fixture
async def served(tmp_path: pathlib.Path) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    store = KeyStore(tmp_path / "keys.db")
    key = store.create("sdk")
    admission = Admission(KeyAuthenticator(store))
    usage_store = SqliteUsageStore(usage_db_beside(store.path))
    meter = UsageMeter(usage_store, LocalQuotas())
    server = ChuteServer(
        chute,
        grpc_port=0,
        guards=(admission_guard(admission, chute.chute_id), meter.guard),
        observers=(meter.observer(chute.chute_id),),
    )
    async with contextlib.AsyncExitStack() as stack:
        await server.start()
        stack.push_async_callback(meter.aclose)
        stack.push_async_callback(server.stop)
        await server.wait_ready(240)
        reader = usage_reader(meter, lambda metadata: admission.admit(metadata, chute.chute_id))
        app = create_app(server, pages={USAGE_PATH: usage_page(reader)})
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        )
        yield http, key
    store.close()


async def test_tokens_match_the_usage_the_openai_routes_return(
    served: tuple[httpx.AsyncClient, str],
) -> None:
    http, key = served
    client = openai.AsyncOpenAI(api_key=key, base_url="http://testserver/v1", http_client=http)
    messages: Any = [{"role": "user", "content": "Tell me about the sea."}]
    whole = await client.chat.completions.create(model="tiny-lm", messages=messages, max_tokens=8, seed=1)
    stream = await client.chat.completions.create(
        model="tiny-lm",
        messages=messages,
        max_tokens=5,
        stream=True,
        stream_options={"include_usage": True},
    )
    streamed = [chunk async for chunk in stream]
    text = await client.completions.create(model="tiny-lm", prompt="Once upon", max_tokens=4, n=2)
    vectors = await client.embeddings.create(model="minilm-embed", input=["a b", "c d e"])
    expected = [u for u in (whole.usage, streamed[-1].usage, text.usage, vectors.usage) if u is not None]
    assert len(expected) == 4

    response = await http.get(USAGE_PATH, params={"group_by": "cord,model"}, headers={"x-api-key": key})
    body = response.json()
    assert body["totals"]["requests"] == 4 and body["totals"]["errors"] == 0
    assert body["totals"]["prompt_tokens"] == sum(u.prompt_tokens for u in expected)
    assert body["totals"]["completion_tokens"] == sum(getattr(u, "completion_tokens", 0) for u in expected)
    by_cord = {(d["cord"], d["model"]): d for d in body["data"]}
    chat = by_cord["StreamChatCompletion", "tiny-lm"]
    usage = streamed[-1].usage
    assert usage is not None
    assert (chat["prompt_tokens"], chat["completion_tokens"]) == (
        usage.prompt_tokens,
        usage.completion_tokens,
    )
    assert by_cord["CreateEmbedding", "minilm-embed"]["prompt_tokens"] == vectors.usage.prompt_tokens
