"""A chute serving the transcoding conformance service, with handlers that echo what they were given.

Each handler returns its request (or puts the request's fields where the response can show
them), so a case can see exactly what path, query and body bound to. ``make_chute`` builds a
fresh chute per chute id, so one gateway can serve two and a case can tell which answered.
"""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import AsyncIterator
from typing import Any

from google.protobuf.descriptor import ServiceDescriptor

from cordwire import Chute, Code, CordError
from cordwire._protos import load_proto_files

PROTOS = pathlib.Path(__file__).resolve().parent.parent / "protos"


def transcoding_service() -> ServiceDescriptor:
    (file,) = load_proto_files([PROTOS / "transcoding" / "v1" / "transcoding.proto"], include_dirs=[PROTOS])
    service: ServiceDescriptor = file.services_by_name["Transcoding"]
    return service


class Probes:
    """What the cancellation cases wait on: set by handlers as they end."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        """Set when a handler starts hanging."""
        self.cancelled = asyncio.Event()
        """Set when a hanging handler is cancelled (its ``except CancelledError`` ran)."""
        self.finished = asyncio.Event()
        """Set by the hanging handler's ``finally``."""


def make_chute(username: str, name: str) -> Chute:
    chute = Chute(username=username, name=name, service=transcoding_service())
    chute.probes = Probes()  # type: ignore[attr-defined]

    async def hang(self: Any) -> None:
        self.probes.started.set()
        try:
            await asyncio.Event().wait()  # never set: only cancellation or the deadline ends it
        except asyncio.CancelledError:
            self.probes.cancelled.set()
            raise
        finally:
            self.probes.finished.set()

    @chute.cord("GetBook")
    async def get_book(self: Any, request: Any, context: Any) -> dict[str, Any]:
        return {"name": request.name, "title": "Dune", "pageCount": "412"}

    @chute.cord("DeleteBook")
    async def delete_book(self: Any, request: Any, context: Any) -> dict[str, Any]:
        return {}

    @chute.cord("ListBooks")
    async def list_books(self: Any, request: Any, context: Any) -> dict[str, Any]:
        books = [{"name": f"{request.parent}/books/{i}", "title": f"t{i}"} for i in range(2)]
        return {"books": books, "next_page_token": f"{request.page_size}:{request.page_token}"}

    @chute.cord("ListBookTitles")
    async def list_titles(self: Any, request: Any, context: Any) -> Any:
        return await list_books(self, request, context)

    @chute.cord("CreateBook")
    async def create_book(self: Any, request: Any, context: Any) -> Any:
        book = request.book
        book.name = f"{request.parent}/books/{request.book_id}"
        book.labels["validate_only"] = str(request.validate_only).lower()
        return book

    @chute.cord("UpdateBook")
    async def update_book(self: Any, request: Any, context: Any) -> Any:
        request.book.labels["update_mask"] = ",".join(request.update_mask.paths)
        return request.book

    @chute.cord("ArchiveBook")
    async def archive_book(self: Any, request: Any, context: Any) -> dict[str, Any]:
        labels = {"force": str(request.force).lower(), "reason": request.reason}
        return {"name": request.name, "labels": labels}

    @chute.cord("GetFile")
    async def get_file(self: Any, request: Any, context: Any) -> dict[str, Any]:
        return {"path": request.path, "size": str(len(request.path))}

    @chute.cord("DownloadFile")
    async def download_file(self: Any, request: Any, context: Any) -> dict[str, Any]:
        return {"content_type": "text/plain; charset=utf-8", "data": _b64(f"contents of {request.path}")}

    @chute.cord("UploadFile")
    async def upload_file(self: Any, request: Any, context: Any) -> dict[str, Any]:
        context.set_header("x-upload-content-type", request.file.content_type)
        context.set_header("x-upload-overwrite", str(request.overwrite).lower())
        return {"path": request.path, "size": str(len(request.file.data))}

    @chute.cord("Echo")
    async def echo(self: Any, request: Any, context: Any) -> Any:
        return request

    @chute.cord("Thumbnail")
    async def thumbnail(self: Any, request: Any, context: Any) -> dict[str, Any]:
        return {"png": _b64(f"PNG:{request.name}")}

    @chute.cord("Search")
    async def search(self: Any, request: Any, context: Any) -> Any:
        return request

    @chute.cord("EchoSearch")
    async def echo_search(self: Any, request: Any, context: Any) -> Any:
        return request

    @chute.cord("GetShelfBook")
    async def get_shelf_book(self: Any, request: Any, context: Any) -> Any:
        return request

    @chute.cord("Complete")
    async def complete(self: Any, request: Any, context: Any) -> dict[str, Any]:
        return {"text": request.prompt, "tokens": str(request.max_tokens)}

    @chute.cord("StreamComplete")
    async def stream_complete(self: Any, request: Any, context: Any) -> AsyncIterator[dict[str, Any]]:
        for i in range(request.max_tokens):
            yield {"text": f"{request.prompt}{i}", "tokens": str(i + 1)}

    @chute.cord("Probe")
    async def probe(self: Any, request: Any, context: Any) -> dict[str, Any]:
        return {}

    @chute.cord("Ping")
    async def ping(self: Any, request: Any, context: Any) -> Any:
        return request

    @chute.cord("Fail")
    async def fail(self: Any, request: Any, context: Any) -> dict[str, Any]:
        if not request.code:
            raise RuntimeError("a handler bug")  # reported as INTERNAL, details only in the log
        raise CordError(
            Code[request.code], request.message, param=request.param or None, reason=request.reason or None
        )

    @chute.cord("Stream")
    async def stream(self: Any, request: Any, context: Any) -> AsyncIterator[dict[str, Any]]:
        context.set_header("x-stream-count", str(request.count))
        for i in range(request.count):
            if request.HasField("fail_after") and i == request.fail_after:
                break
            yield {"index": i, "total": str(request.count)}
        if request.HasField("fail_after"):
            raise CordError(
                Code[request.fail_code or "INTERNAL"], f"stream failed after {request.fail_after} messages"
            )
        if request.hang:
            await hang(self)

    @chute.cord("DownloadChunks")
    async def download_chunks(self: Any, request: Any, context: Any) -> AsyncIterator[dict[str, Any]]:
        for i in range(request.count):
            yield {"content_type": "application/x-chunks", "data": _b64(f"chunk{i};")}

    @chute.cord("Inspect")
    async def inspect(self: Any, request: Any, context: Any) -> dict[str, Any]:
        for pair in request.set_headers:
            name, _, value = pair.partition("=")
            context.set_header(name, value)
        # Only the metadata a client could have sent: transports add their own (user-agent...).
        sent = {k: v for k, v in context.metadata.items() if k.startswith("x-") or k == "authorization"}
        return {
            "chute": self.chute_id,
            "metadata": sent,
            "has_deadline": context.deadline is not None,
            "request_id": context.request_id,
        }

    @chute.cord("Slow")
    async def slow(self: Any, request: Any, context: Any) -> dict[str, Any]:
        await hang(self)
        return {}

    return chute


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()
