"""Turns json_format's nested ParseError text into a field path and a short reason."""

from __future__ import annotations

import re

from google.protobuf.json_format import ParseError

__all__ = ["describe", "explain"]

_UNKNOWN = re.compile(r'has no field named "([^"]+)" at "([^"]+)"')
_FIELD = re.compile(r"Failed to parse (\w+) field: ")
_AT = re.compile(r" at ([A-Za-z_][\w.\[\]]*)")


def explain(error: ParseError) -> tuple[str | None, str]:
    """(the offending field path as the client wrote it, the innermost reason)."""
    text = str(error)
    if unknown := _UNKNOWN.search(text):
        return _strip_root(f"{unknown.group(2)}.{unknown.group(1)}"), "unknown field"
    # Each enclosing message adds "Failed to parse <key> field: "; their keys spell the path.
    keys = _FIELD.findall(text)
    reason = _FIELD.sub("", text).split(" at ")[0].rstrip(".")
    if keys:
        return ".".join(keys), reason
    spots = _AT.findall(text)
    return (_strip_root(spots[-1].rstrip(".")) if spots else None), reason


def describe(error: ParseError) -> tuple[str | None, str]:
    """(param, a message naming it) for a CordError."""
    param, reason = explain(error)
    if param is None:
        return None, f"invalid request: {reason}"
    if reason == "unknown field":
        return param, f"unknown field {param!r}"
    return param, f"invalid value for field {param!r}: {reason}"


def _strip_root(path: str) -> str | None:
    # json_format paths start with the request message's name: "CreateBookRequest.book.title".
    _, _, rest = path.partition(".")
    return rest or None
