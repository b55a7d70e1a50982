"""Server-sent events: the gateway's real streams, re-chunked at every possible split."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from cordwire_client import APIConnectionError, AsyncClient, Client, InternalServerError, NotFoundError
from cordwire_client._sse import SSEDecoder, iter_messages

# Multi-byte characters and a newline in the payload: splits land inside UTF-8 sequences and the
# JSON must not be read as two lines.
TEXT = "héllo wörld 🌍\nsecond line"


class Rechunked(httpx.AsyncBaseTransport):
    """Passes calls on, but hands the body back in pieces cut at the given sizes (cycled)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, sizes: list[int]) -> None:
        self.inner = inner
        self.sizes = sizes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
        return httpx.Response(
            response.status_code, headers=response.headers, stream=_Pieces(body, self.sizes)
        )


class _Pieces(httpx.AsyncByteStream):
    def __init__(self, body: bytes, sizes: list[int]) -> None:
        self.body = body
        self.sizes = sizes

    async def __aiter__(self) -> AsyncIterator[bytes]:
        at, i = 0, 0
        while at < len(self.body):
            size = self.sizes[i % len(self.sizes)]
            yield self.body[at : at + size]
            at, i = at + size, i + 1


async def collect(client: AsyncClient, json: dict[str, object]) -> list[dict[str, object]]:
    return [message async for message in client.stream("/v1/count", json)]


@pytest.mark.parametrize("sizes", [[1], [2], [3, 1, 7], [64], [10_000]], ids=str)
async def test_stream_survives_any_chunking(asgi: httpx.ASGITransport, sizes: list[int]) -> None:
    async with AsyncClient("http://testserver", transport=Rechunked(asgi, sizes)) as c:
        messages = await collect(c, {"n": 5, "text": TEXT})
    assert messages == [{"index": i, "text": TEXT} for i in range(5)]


async def test_stream_survives_random_chunking(asgi: httpx.ASGITransport) -> None:
    rng = random.Random(7)
    for _ in range(20):
        sizes = [rng.randint(1, 40) for _ in range(rng.randint(1, 8))]
        async with AsyncClient("http://testserver", transport=Rechunked(asgi, sizes)) as c:
            assert len(await collect(c, {"n": 3, "text": TEXT})) == 3


async def test_an_error_event_raises_after_the_messages_before_it(asgi: httpx.ASGITransport) -> None:
    seen: list[dict[str, object]] = []
    async with AsyncClient("http://testserver", transport=Rechunked(asgi, [5])) as c:
        with pytest.raises(InternalServerError) as caught:
            async for message in c.stream("/v1/count", {"n": 2, "text": "x", "fail_with": "INTERNAL"}):
                seen.append(message)
    assert len(seen) == 2
    assert caught.value.code == "internal"
    assert caught.value.message == "injected failure mid-stream"


async def test_an_error_before_the_first_message_is_an_http_error(asgi: httpx.ASGITransport) -> None:
    async with AsyncClient("http://testserver", transport=asgi) as c:
        with pytest.raises(NotFoundError):
            await collect(c, {"n": 0, "fail_with": "NOT_FOUND"})


async def test_the_blocking_client_streams_over_a_socket(http_url: str) -> None:
    def stream() -> list[dict[str, object]]:
        with Client(http_url) as c:
            return list(c.stream("/v1/count", {"n": 4, "text": TEXT}))

    assert await asyncio.to_thread(stream) == [{"index": i, "text": TEXT} for i in range(4)]


def test_decoder_handles_the_grammar() -> None:
    decoder = SSEDecoder()
    wire = b': keep-alive\r\nevent: x\r\ndata: {"a":\r\ndata:1}\r\n\r\ndata: [DONE]\r\r'
    events = [event for i in range(len(wire)) for event in decoder.feed(wire[i : i + 1])]
    assert events == ['{"a":\n1}', "[DONE]"]


def test_cr_then_lf_in_the_next_chunk_is_one_line_ending() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"a":1}\r') == []
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\n") == []  # the LF of CRLF, not a blank line
    assert decoder.feed(b"\r\n") == ['{"a":1}']


def test_a_stream_cut_short_is_an_error() -> None:
    chunks: Iterator[bytes] = iter([b'data: {"a": 1}\n\n', b'data: {"a": 2}'])
    with pytest.raises(APIConnectionError):
        list(iter_messages(chunks))


def test_a_last_event_without_blank_line_still_counts() -> None:
    assert list(iter_messages([b'data: {"a": 1}\n\ndata: [DONE]'])) == [{"a": 1}]
