"""``python -m bench.codec``: the gateway's JSON <-> protobuf cost per message, json_format vs _codec.

CPU µs per call (``time.process_time``, best of several passes, so other load on a shared machine
moves the figures less): ``orjson.loads`` + ``ParseDict`` against ``orjson.loads`` + ``_strict`` +
the compiled ``decode`` (what a request body costs), ``MessageToDict`` against the compiled
``encode`` (what a response costs).
Seconds to run; not part of ``make bench``'s table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
from google.protobuf import json_format
from google.protobuf.message import Message

from cordwire._protos import load_proto_files, message_class
from cordwire.gateway._binding import bind_request
from cordwire.gateway._codec import decode, encode
from cordwire.gateway._responses import shape_response
from cordwire.gateway._routes import Route, compile_routes
from cordwire.gateway._strict import check_message
from cordwire.openai.v1 import openai_pb2

from .paths import REPO

CHAT_REQUEST = {
    "model": "demo",
    "messages": [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Hello there, how are you?"},
    ],
    "max_tokens": 64,
    "temperature": 0.7,
    "stream": False,
}
CHAT_RESPONSE = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "demo",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "I am fine, thank you."},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19},
}
SEARCH = {
    "query": "q",
    "limit": 3,
    "offset": "5",
    "big": "7",
    "score": 1.5,
    "colors": ["COLOR_RED"],
    "tags": ["a", "b"],
    "ids": ["1", "2"],
    "token": "aGk=",
    "minPages": 4,
    "filter": {"title": "T", "author": {"displayName": "Z"}},
    "labels": {"k": "v"},
}
BOOK = {"name": "shelves/1/books/2", "title": "Dune", "pageCount": "412"}


def _per_call(fn: Callable[[], Any], n: int = 2000, passes: int = 5) -> float:
    fn()
    best = float("inf")
    for _ in range(passes):
        start = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, (time.process_time() - start) / n * 1e6)
    return best


def _transcoding_file() -> Any:
    protos = REPO / "tests" / "protos"
    (file,) = load_proto_files([protos / "transcoding" / "v1" / "transcoding.proto"], include_dirs=[protos])
    return file


def _transcoding(name: str) -> type[Message]:
    return message_class(_transcoding_file().message_types_by_name[name])


def _route(service: Any, method: str) -> Route:
    return next(r for r in compile_routes(service).routes if r.method.name == method)


def gateway_table() -> None:
    """What one request costs the gateway: body/path → message, then message → JSON bytes."""
    chat = _route(openai_pb2.DESCRIPTOR.services_by_name["OpenAIService"], "CreateChatCompletion")
    transcoding = _transcoding_file().services_by_name["Transcoding"]
    reply = json_format.ParseDict(CHAT_RESPONSE, openai_pb2.CreateChatCompletionResponse())
    cases: list[tuple[str, Route, dict[str, str], bytes, Message | None]] = [
        ("POST /v1/chat/completions", chat, {}, orjson.dumps(CHAT_REQUEST), reply),
        (
            "POST /v1/search:echo (SearchRequest)",
            _route(transcoding, "EchoSearch"),
            {},
            orjson.dumps(SEARCH),
            None,
        ),
        (
            "GET /v1/shelves/12/numbered/3",
            _route(transcoding, "GetShelfBook"),
            {"shelf_id": "12", "book_id": "3"},
            b"",
            None,
        ),
    ]
    print("\n| gateway, per request | bind_request | shape_response + orjson.dumps |")
    print("|---|---|---|")
    for name, route, bindings, body, response in cases:
        request = bind_request(route.binding, bindings, (), body, "application/json")
        out = response or request
        bind = _per_call(lambda: bind_request(route.binding, bindings, (), body, "application/json"))  # noqa: B023
        shape = _per_call(lambda: orjson.dumps(shape_response(route.response, out)))  # noqa: B023
        print(f"| {name} | {bind:.1f} µs | {shape:.1f} µs |")


def main() -> None:
    cases: list[tuple[str, type[Message], dict[str, Any]]] = [
        ("Book (tiny)", _transcoding("Book"), BOOK),
        ("CreateChatCompletionRequest", openai_pb2.CreateChatCompletionRequest, CHAT_REQUEST),
        ("CreateChatCompletionResponse", openai_pb2.CreateChatCompletionResponse, CHAT_RESPONSE),
        ("SearchRequest (every field kind)", _transcoding("SearchRequest"), SEARCH),
    ]
    print("| message | ParseDict | strict + decode | MessageToDict | encode |")
    print("|---|---|---|---|---|")
    for name, cls, js in cases:
        desc = cls.DESCRIPTOR
        message = json_format.ParseDict(js, cls())
        opts = {"preserving_proto_field_name": True, "always_print_fields_with_no_presence": True}
        raw = orjson.dumps(js)  # parsed afresh each time: _strict rewrites values in place
        parse = _per_call(lambda: json_format.ParseDict(orjson.loads(raw), cls()))  # noqa: B023
        ours_in = _per_call(lambda: decode(check_message(desc, orjson.loads(raw)), cls()))  # noqa: B023
        dump = _per_call(lambda: json_format.MessageToDict(message, **opts))  # noqa: B023
        ours_out = _per_call(lambda: encode(message))  # noqa: B023
        print(f"| {name} | {parse:.1f} µs | {ours_in:.1f} µs | {dump:.1f} µs | {ours_out:.1f} µs |")
    gateway_table()


if __name__ == "__main__":
    main()
