"""Client- and bidi-streaming RPCs over HTTP: newline-delimited JSON in, as grpc-gateway takes them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import httpx
import pytest

from cordwire._target import load_target
from cordwire.gateway import ChuteEndpoint, Gateway, RemoteDispatcher
from cordwire.testing import serve_chute
from tests.conftest import ROOT

MODES = ("in_process", "remote")


@pytest.fixture(params=MODES)
async def http(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    chute = load_target(f"{ROOT}/examples/bookstore/chute.py:chute")
    async with (
        serve_chute(chute) as running,
        grpc.aio.insecure_channel(running.server.grpc_target) as channel,
    ):
        if request.param == "in_process":
            endpoint = ChuteEndpoint.in_process(running.server)
        else:
            endpoint = ChuteEndpoint.for_service(chute.service, RemoteDispatcher(channel), chute.chute_id)
        transport = httpx.ASGITransport(app=Gateway([endpoint]))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_client_streaming_takes_one_message_per_line(http: httpx.AsyncClient) -> None:
    line = b'{"parent": "shelves/4", "book": {"title": "%s"}}\n'
    body = line % b"a" + b"\n" + line % b"b"  # a blank line between messages is skipped
    response = await http.post("/bookstore.v1.Bookstore/AddBooks", content=body)
    assert (response.status_code, response.json()) == (200, {"added": 2})


async def test_bidi_streaming_answers_each_line_as_an_event(http: httpx.AsyncClient) -> None:
    response = await http.post("/bookstore.v1.Bookstore/Chat", content=b'{"text": "a"}\n{"text": "b"}')
    assert response.text == (
        'data: {"text":"you said: a"}\n\ndata: {"text":"you said: b"}\n\ndata: [DONE]\n\n'
    )


async def test_a_bad_line_is_a_400_naming_it_and_the_handler_never_runs(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/bookstore.v1.Bookstore/AddBooks", content=b'{"parent": "s"}\n{"parnt": "s"}\n'
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"].startswith("line 2 of the request stream:")
    assert error["param"] == "parnt"
