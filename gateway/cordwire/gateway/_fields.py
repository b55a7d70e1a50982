"""Field lookups by either JSON name, built once per message type and cached.

Query parameters and path variables arrive as text; this module knows, per field, how that text
becomes the JSON value that ``json_format`` then turns into the field (it never builds the
message itself).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from google.protobuf.descriptor import Descriptor, FieldDescriptor

__all__ = ["FieldInfo", "TextKind", "field_index", "resolve_path", "text_to_json"]

# WKTs whose JSON form is a string, so query text passes through as is.
_STRING_WKTS = frozenset(
    {"google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"}
)
_WRAPPERS = frozenset(
    f"google.protobuf.{n}Value"
    for n in ("Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes")
)
_BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False, "t": True, "f": False}


class TextKind(enum.Enum):
    """How a text value (query parameter, path variable) becomes a JSON value for a field."""

    TEXT = "text"
    """Passed through as text, then checked per field type (numbers by ._numbers, enums, WKTs)."""
    BOOL = "bool"
    """``true``/``false`` (any case) or ``1``/``0``/``t``/``f``, as grpc-gateway's ParseBool."""
    BYTES = "bytes"
    """Base64, standard or URL-safe, padding optional; a space is read as the ``+`` it was."""
    MESSAGE = "message"
    """A message navigable by dotted names (``book.author=x``); not settable from text itself."""
    UNSUPPORTED = "unsupported"
    """Struct, Value, ListValue, Any, Empty and maps: no text form."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldInfo:
    descriptor: FieldDescriptor
    """The field."""
    name: str
    """Its proto name: the key used in the JSON handed to json_format."""
    repeated: bool
    """A repeated (non-map) field: its query parameter may repeat."""
    kind: TextKind
    """How text becomes this field's JSON value."""
    message: Descriptor | None
    """For ``MESSAGE`` fields, the type to look further names up in."""


def _kind_of(field: FieldDescriptor) -> TextKind:
    msg = field.message_type
    if msg is not None:
        if msg.GetOptions().map_entry:
            return TextKind.UNSUPPORTED
        if msg.full_name in _STRING_WKTS:
            return TextKind.TEXT
        if msg.full_name in _WRAPPERS:
            return _kind_of(msg.fields_by_name["value"])
        if msg.full_name.startswith("google.protobuf."):
            return TextKind.UNSUPPORTED
        return TextKind.MESSAGE
    if field.type == FieldDescriptor.TYPE_BOOL:
        return TextKind.BOOL
    if field.type == FieldDescriptor.TYPE_BYTES:
        return TextKind.BYTES
    return TextKind.TEXT


@functools.cache
def field_index(message: Descriptor) -> Mapping[str, FieldInfo]:
    """The fields of ``message`` keyed by proto name and by lowerCamel JSON name."""
    index: dict[str, FieldInfo] = {}
    for field in message.fields:
        kind = _kind_of(field)
        is_map = field.message_type is not None and field.message_type.GetOptions().map_entry
        info = FieldInfo(
            descriptor=field,
            name=field.name,
            repeated=field.is_repeated and not is_map,
            kind=kind,
            message=field.message_type if kind is TextKind.MESSAGE else None,
        )
        index[field.json_name] = info
        index[field.name] = info
    return MappingProxyType(index)


@functools.lru_cache(maxsize=4096)  # keys come from requests, so the cache is bounded
def resolve_path(message: Descriptor, dotted: str) -> tuple[FieldInfo, ...] | None:
    """The fields a dotted name walks through, or None when some part names no field."""
    chain: list[FieldInfo] = []
    descriptor: Descriptor | None = message
    for part in dotted.split("."):
        info = field_index(descriptor).get(part) if descriptor is not None else None
        if info is None:
            return None
        chain.append(info)
        descriptor = info.message
    return tuple(chain)


def text_to_json(kind: TextKind, text: str) -> object:
    """The JSON value for ``text``; ValueError when it cannot be one."""
    if kind is TextKind.BOOL:
        try:
            return _BOOL_TEXT[text.lower()]
        except KeyError:
            raise ValueError(f"expected true or false, got {text!r}") from None
    if kind is TextKind.BYTES:
        # '+' in standard base64 turns into a space when a client forgets to percent-encode it.
        return text.replace(" ", "+")
    return text
