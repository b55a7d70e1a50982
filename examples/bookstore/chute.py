"""The example chute: a bookstore served from its .proto file, compiled at start-up.

Run it with ``cordwire serve examples/bookstore/chute.py:chute``.
"""

from __future__ import annotations

import asyncio
import json
import pathlib
from collections.abc import AsyncIterator
from typing import Any

from cordwire import Chute, Code, CordContext, CordError, load_proto_files

load_proto_files([pathlib.Path(__file__).with_name("bookstore.proto")])

chute = Chute(username="demo", name="bookstore", service="bookstore.v1.Bookstore")


@chute.on_startup()
async def open_store(self: Any) -> None:
    self.state.books = {
        "shelves/1/books/1": {"name": "shelves/1/books/1", "title": "Dune", "author": "Herbert"}
    }
    self.events = ["startup"]
    self.sleep_started = asyncio.Event()


@chute.on_shutdown()
async def close_store(self: Any) -> None:
    self.events.append("shutdown")


@chute.cord("GetBook")
async def get_book(self: Any, request: Any, context: CordContext) -> dict[str, Any]:
    if request.name not in self.state.books:
        raise CordError(Code.NOT_FOUND, f"no book {request.name!r}", param="name")
    return dict(self.state.books[request.name])


@chute.cord("CreateBook")
def create_book(self: Any, request: Any, context: CordContext) -> dict[str, Any]:
    # A plain function: cordwire runs it in the thread pool.
    if not request.book.title:
        raise CordError(Code.INVALID_ARGUMENT, "a book needs a title", param="book.title")
    name = f"{request.parent}/books/{len(self.state.books) + 1}"
    book = {
        "name": name,
        "title": request.book.title,
        "author": request.book.author,
        "pageCount": str(request.book.page_count),
    }
    self.state.books[name] = book
    return book


@chute.cord("DeleteBook")
async def delete_book(self: Any, request: Any, context: CordContext) -> dict[str, Any]:
    if self.state.books.pop(request.name, None) is None:
        raise CordError(Code.NOT_FOUND, f"no book {request.name!r}", param="name")
    return {}


@chute.cord("ListBooks")
async def list_books(self: Any, request: Any, context: CordContext) -> AsyncIterator[dict[str, Any]]:
    shelf = request.parent + "/"
    books = [b for name, b in sorted(self.state.books.items()) if name.startswith(shelf)]
    for book in books[: request.limit or None]:
        yield dict(book)


@chute.cord("AddBooks")
async def add_books(self: Any, requests: AsyncIterator[Any], context: CordContext) -> dict[str, int]:
    added = 0
    async for request in requests:
        name = f"{request.parent}/books/{len(self.state.books) + 1}"
        self.state.books[name] = {"name": name, "title": request.book.title}
        added += 1
    return {"added": added}


@chute.cord("Chat")
async def chat(
    self: Any, requests: AsyncIterator[Any], context: CordContext
) -> AsyncIterator[dict[str, str]]:
    async for message in requests:
        yield {"text": f"you said: {message.text}"}


@chute.cord("Fail")
async def fail(self: Any, request: Any, context: CordContext) -> dict[str, Any]:
    if request.code == -1:
        raise RuntimeError("a bug with a secret inside: s3cr3t")
    raise CordError(Code(request.code), request.message or f"failing with {Code(request.code).name}")


@chute.cord("Sleep")
async def sleep(self: Any, request: Any, context: CordContext) -> dict[str, bool]:
    self.sleep_started.set()
    await asyncio.sleep(request.seconds)
    return {"cancelled": False}


@chute.job(timeout=600, upload=True)
async def export_shelf(self: Any, shelf: str = "shelves/1", output_dir: str = "") -> dict[str, Any]:
    """A job (``POST /jobs/export_shelf``): the shelf's books as JSON Lines in its output folder,
    then ``GET /jobs/{id}/files/books.jsonl``."""
    books = [b for name, b in sorted(self.state.books.items()) if name.startswith(shelf + "/")]
    lines = "".join(json.dumps(b) + "\n" for b in books)
    await asyncio.to_thread(pathlib.Path(output_dir, "books.jsonl").write_text, lines)
    return {"shelf": shelf, "books": len(books)}


@chute.cord("Whoami")
async def whoami(self: Any, request: Any, context: CordContext) -> dict[str, Any]:
    context.set_header("x-served-by", "bookstore")
    return {"metadata": {k: v for k, v in context.metadata.items() if not k.startswith("grpc-")}}
