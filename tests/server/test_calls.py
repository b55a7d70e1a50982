"""The four call shapes, errors, metadata and deadlines over a real gRPC channel."""

from __future__ import annotations

import grpc
import pytest

from cordwire import Code
from cordwire._errors import CordError
from cordwire.testing import RunningChute

ALL_ERROR_CODES = [c for c in Code if c is not Code.OK]


async def test_unary_returns_the_handlers_dict_as_a_message(running: RunningChute) -> None:
    book = await running.call("GetBook", {"name": "shelves/1/books/1"})
    assert (book.title, book.author) == ("Dune", "Herbert")  # type: ignore[attr-defined]


async def test_sync_handler_runs_and_returns(running: RunningChute) -> None:
    book = await running.call(
        "CreateBook", {"parent": "shelves/2", "book": {"title": "Emma", "pageCount": "3"}}
    )
    assert book.name == "shelves/2/books/2"  # type: ignore[attr-defined]
    assert book.page_count == 3  # type: ignore[attr-defined]


async def test_server_streaming_yields_every_message(running: RunningChute) -> None:
    await running.call("CreateBook", {"parent": "shelves/1", "book": {"title": "Emma"}})
    call = running.method("ListBooks")(running.request("ListBooks", {"parent": "shelves/1"}))
    titles = [book.title async for book in call]
    assert titles == ["Dune", "Emma"]


async def test_client_streaming_consumes_every_request(running: RunningChute) -> None:
    requests = [running.request("AddBooks", {"parent": "shelves/9", "book": {"title": t}}) for t in "abc"]
    reply = await running.method("AddBooks")(iter(requests))
    assert reply.added == 3


async def test_bidi_streaming_answers_each_message(running: RunningChute) -> None:
    call = running.method("Chat")()
    replies = []
    for text in ("hi", "bye"):
        await call.write(running.request("Chat", {"text": text}))
        replies.append((await call.read()).text)
    await call.done_writing()
    assert replies == ["you said: hi", "you said: bye"]


@pytest.mark.parametrize("code", ALL_ERROR_CODES, ids=lambda c: c.name)
async def test_cord_error_ends_the_call_with_its_status(running: RunningChute, code: Code) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await running.call("Fail", {"code": int(code), "message": f"boom {code.name}"})
    assert info.value.code().value[0] == int(code)
    assert info.value.details() == f"boom {code.name}"


async def test_error_param_travels_in_trailing_metadata(running: RunningChute) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await running.call("GetBook", {"name": "nope"})
    error = CordError.from_grpc(
        info.value.code().value[0], info.value.details() or "", info.value.trailing_metadata()
    )
    assert (error.code, error.param) == (Code.NOT_FOUND, "name")


async def test_handler_crash_is_internal_without_leaking_details(running: RunningChute) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await running.call("Fail", {"code": -1})
    assert info.value.code() is grpc.StatusCode.INTERNAL
    assert "s3cr3t" not in (info.value.details() or "")
    assert "request id" in (info.value.details() or "")


async def test_metadata_reaches_the_handler_lower_cased(running: RunningChute) -> None:
    reply = await running.call("Whoami", metadata=[("x-tenant", "acme"), ("x-request-id", "r1")])
    assert reply.metadata["x-tenant"] == "acme"  # type: ignore[attr-defined]
    assert reply.metadata["x-request-id"] == "r1"  # type: ignore[attr-defined]


async def test_response_headers_set_by_handler_arrive_as_initial_metadata(running: RunningChute) -> None:
    call = running.method("Whoami")(running.request("Whoami"))
    await call
    assert ("x-served-by", "bookstore") in tuple(await call.initial_metadata())


async def test_deadline_from_the_caller_is_honoured(running: RunningChute) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await running.call("Sleep", {"seconds": 30}, timeout=0.2)
    assert info.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED


async def test_cord_timeout_option_bounds_the_call(running: RunningChute) -> None:
    # Sleep declares (cordwire.v1.cord).timeout_ms = 1000 in bookstore.proto.
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await running.call("Sleep", {"seconds": 30})
    assert info.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
