"""Stream coalescing (``_batches.ReadyChunks``): what is ready goes out in one write, nothing waits
longer than it would have, a failure comes after what came before it, and abandoning a stream that
waits runs its clean-up."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cordwire._codes import Code
from cordwire._errors import CordError
from cordwire.gateway._batches import ReadyChunks
from cordwire.gateway._streaming import SSE, send_stream


def _frame(item: int) -> bytes:
    return b"data: %d\n\n" % item


async def _drain(chunks: ReadyChunks[int]) -> list[bytes]:
    out = []
    while (chunk := await chunks.next()) is not None:
        out.append(chunk)
    return out


async def test_items_ready_together_go_out_together_and_one_that_waits_goes_alone() -> None:
    gate = asyncio.Event()

    async def source() -> AsyncIterator[int]:
        yield 1
        yield 2
        yield 3
        await gate.wait()  # the fourth is not ready: the first three must not wait for it
        yield 4

    chunks = ReadyChunks(source(), _frame, limit=64, max_bytes=1 << 16)
    assert await chunks.next() == b"data: 1\n\ndata: 2\n\ndata: 3\n\n"
    assert not chunks.saturated
    later = asyncio.ensure_future(chunks.next())
    await asyncio.sleep(0)
    assert not later.done()
    gate.set()
    assert await later == b"data: 4\n\n"
    assert await chunks.next() is None


async def test_a_busy_source_is_cut_at_the_bounds_and_says_so() -> None:
    async def source() -> AsyncIterator[int]:
        for i in range(10):
            yield i  # never awaits

    chunks = ReadyChunks(source(), _frame, limit=4, max_bytes=1 << 16)
    first = await chunks.next()
    assert first == b"".join(_frame(i) for i in range(4))
    assert chunks.saturated
    rest = await _drain(chunks)
    assert b"".join([first, *rest]) == b"".join(_frame(i) for i in range(10))

    by_size = ReadyChunks(source(), _frame, limit=64, max_bytes=2 * len(_frame(0)))
    assert await by_size.next() == _frame(0) + _frame(1)
    assert by_size.saturated


async def test_a_failure_comes_after_the_items_before_it() -> None:
    async def source() -> AsyncIterator[int]:
        yield 1
        yield 2
        raise ValueError("boom")

    chunks = ReadyChunks(source(), _frame, limit=64, max_bytes=1 << 16)
    assert await chunks.next() == _frame(1) + _frame(2)
    with pytest.raises(ValueError, match="boom"):
        await chunks.next()


async def test_abandoning_a_waiting_step_cancels_it_where_it_waits() -> None:
    cleaned: list[str] = []

    async def source() -> AsyncIterator[int]:
        try:
            yield 1
            await asyncio.Event().wait()  # waits forever
            yield 2
        except asyncio.CancelledError:
            cleaned.append("cancelled")
            raise
        finally:
            await asyncio.sleep(0)  # clean-up may await
            cleaned.append("finally")

    gen = source()
    chunks = ReadyChunks(gen, _frame, limit=64, max_bytes=1 << 16)
    assert await chunks.next() == _frame(1)  # the step towards 2 has started and waits
    await chunks.aclose()
    assert cleaned == ["cancelled", "finally"]
    with pytest.raises(StopAsyncIteration):
        await anext(gen)  # finished, not stuck "already running"


async def test_cancelling_the_task_while_it_waits_reaches_the_source() -> None:
    cleaned: list[str] = []
    waiting = asyncio.Event()

    async def source() -> AsyncIterator[int]:
        yield 1
        try:
            waiting.set()
            await asyncio.Event().wait()
        finally:
            cleaned.append("finally")
        yield 2

    chunks = ReadyChunks(source(), _frame, limit=64, max_bytes=1 << 16)
    assert await chunks.next() == _frame(1)
    task = asyncio.ensure_future(chunks.next())  # resumes the waiting step inside a task
    await waiting.wait()
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == ["finally"]


async def test_a_deadline_passing_while_a_write_waits_still_ends_the_stream_in_band() -> None:
    # The step that waits for the next message holds the handler's deadline scope; that scope
    # cancels the task wherever it is — here inside a write held up by a slow reader.
    async def rest() -> AsyncIterator[Any]:
        yield {"n": 1}
        try:
            async with asyncio.timeout(0.05):
                await asyncio.Event().wait()
        except TimeoutError:
            raise CordError(Code.DEADLINE_EXCEEDED, "too late") from None
        yield {"n": 2}

    sent: list[Any] = []

    async def send(message: Any) -> None:
        if message.get("body") == b'data: {"n":1}\n\n':
            await asyncio.sleep(1)  # a reader that does not read (flow control holds the write)
        sent.append(message)

    await send_stream(send, {"n": 0}, rest(), SSE, [])
    assert sent[0]["type"] == "http.response.start"
    last = sent[-1]
    assert last["more_body"] is False
    assert b'"code":"deadline_exceeded"' in last["body"] or b"too late" in last["body"]
    assert last["body"].endswith(b"data: [DONE]\n\n")
