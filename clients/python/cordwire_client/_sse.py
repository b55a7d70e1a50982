"""Server-sent events, decoded incrementally: bytes may arrive split anywhere, even inside a UTF-8
character or between the CR and LF of a line ending (the event-stream grammar of the HTML spec)."""

from __future__ import annotations

import codecs
import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

from ._errors import APIConnectionError, error_for_event

__all__ = ["DONE", "SSEDecoder", "aiter_messages", "iter_messages", "parse_event"]

DONE = "[DONE]"
"""The data of the event that ends a cordwire (and OpenAI) stream."""


class SSEDecoder:
    """Feed it chunks; it returns the ``data`` of each event completed so far."""

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")()
        self._buffer = ""
        self._data: list[str] = []
        # A chunk that ended in CR: an LF opening the next chunk belongs to the same line ending.
        self._after_cr = False

    def feed(self, chunk: bytes) -> list[str]:
        return self._lines(self._text.decode(chunk))

    def close(self) -> list[str]:
        """The end of the stream: a last event not followed by a blank line still counts."""
        return self._lines(self._text.decode(b"", final=True) + "\n\n")

    def _lines(self, text: str) -> list[str]:
        if not text:  # e.g. half a UTF-8 character: nothing to learn yet, CR state included
            return []
        if self._after_cr and text.startswith("\n"):
            text = text[1:]
        self._after_cr = text.endswith("\r")
        self._buffer += text
        events: list[str] = []
        # str.splitlines would also split on \x0b, \x1c, U+2028, ...; SSE ends lines at CR, LF, CRLF only.
        lines = self._buffer.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self._buffer = lines.pop()  # the unfinished line
        for line in lines:
            if line == "":
                if self._data:
                    events.append("\n".join(self._data))
                    self._data = []
            elif not line.startswith(":"):  # ":..." is a comment (keep-alive)
                name, _, value = line.partition(":")
                if name == "data":
                    self._data.append(value.removeprefix(" "))
                # event, id and retry fields carry nothing cordwire sends.
        return events


def parse_event(data: str) -> dict[str, Any] | None:
    """One event's message, or None for ``[DONE]``; an ``{"error": ...}`` event raises it."""
    if data == DONE:
        return None
    message = json.loads(data)
    if isinstance(message, dict) and set(message) == {"error"}:
        raise error_for_event(message["error"])
    if not isinstance(message, dict):
        raise ValueError(f"stream event is not a JSON object: {data[:80]!r}")
    return message


class _Truncated(APIConnectionError):
    def __init__(self) -> None:
        super().__init__("the stream ended without [DONE]: the server went away mid-call")


def iter_messages(chunks: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """The messages of an event stream's body, up to ``[DONE]``."""
    decoder = SSEDecoder()
    for chunk in chunks:
        for data in decoder.feed(chunk):
            if (message := parse_event(data)) is None:
                return
            yield message
    for data in decoder.close():
        if (message := parse_event(data)) is None:
            return
        yield message
    raise _Truncated()


async def aiter_messages(chunks: AsyncIterable[bytes]) -> AsyncIterator[dict[str, Any]]:
    """:func:`iter_messages` for an async body."""
    decoder = SSEDecoder()
    async for chunk in chunks:
        for data in decoder.feed(chunk):
            if (message := parse_event(data)) is None:
                return
            yield message
    for data in decoder.close():
        if (message := parse_event(data)) is None:
            return
        yield message
    raise _Truncated()
