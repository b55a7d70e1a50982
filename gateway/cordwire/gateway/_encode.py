"""Message -> JSON dict, compiled per message type: ``MessageToDict`` without its walk (see _codec)."""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.internal import type_checkers
from google.protobuf.message import Message

from ._wkts import STRING_FORM, WRAPPERS, is_map

__all__ = ["encode", "encoder"]

_C = FieldDescriptor
_INT64 = frozenset({_C.CPPTYPE_INT64, _C.CPPTYPE_UINT64})


Encoder = Callable[[Message], Any]


def encode(message: Message) -> Any:
    """``MessageToDict`` with proto names and fields without presence printed."""
    return encoder(message.DESCRIPTOR)(message)


@functools.cache
def encoder(message: Descriptor) -> Encoder:
    """The compiled ``MessageToDict`` for ``message``."""
    name = message.full_name
    if name in WRAPPERS:
        value = _value_encoder(message.fields_by_name["value"])
        return lambda m: value(m.value)  # type: ignore[attr-defined]
    if name == "google.protobuf.Value":
        return _encode_value
    if name in STRING_FORM:
        return lambda m: m.ToJsonString()  # type: ignore[attr-defined]
    if name.startswith("google.protobuf."):
        return _json_format_encode  # WKTs: Any, Struct, Timestamp… rare enough to keep as is
    names: dict[int, str] = {}
    convert: dict[int, Callable[[Any], Any]] = {}
    defaults: list[tuple[str, Callable[[], Any]]] = []
    for field in message.fields:
        names[field.number] = field.name
        convert[field.number] = _field_encoder(field)
        if field.has_presence:
            continue
        if is_map(field):
            defaults.append((field.name, dict))
        elif field.is_repeated:
            defaults.append((field.name, list))
        else:
            default = _value_encoder(field)(field.default_value)
            defaults.append((field.name, functools.partial(_constant, default)))

    def encode_message(m: Message) -> Any:
        # Set fields first in field-number order (ListFields), then the unset ones without
        # presence in declaration order: json_format's key order, so the bytes match too.
        try:
            js = {names[f.number]: convert[f.number](v) for f, v in m.ListFields()}
        except KeyError:  # an extension: json_format names it "[full.name]"
            return _json_format_encode(m)
        for key, default in defaults:
            if key not in js:
                js[key] = default()
        return js

    return encode_message


def _constant(value: Any) -> Any:
    return value


def _encode_value(message: Any) -> Any:
    # json_format's _ValueMessageToJsonObject for the scalar kinds; lists, structs, inf/nan to it.
    which = message.WhichOneof("kind")
    if which is None or which == "null_value":
        return None
    if which == "string_value":
        return message.string_value
    if which == "bool_value":
        return message.bool_value
    if which == "number_value" and message.number_value - message.number_value == 0:
        return message.number_value
    return _json_format_encode(message)


def _json_format_encode(message: Message) -> Any:
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def _field_encoder(field: FieldDescriptor) -> Callable[[Any], Any]:
    if is_map(field):
        value = _value_encoder(field.message_type.fields_by_name["value"])
        return lambda m: {_map_key(k): value(m[k]) for k in m}
    one = _value_encoder(field)
    if field.is_repeated:
        return lambda values: [one(v) for v in values]
    return one


def _map_key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _value_encoder(field: FieldDescriptor) -> Callable[[Any], Any]:
    cpp = field.cpp_type
    if cpp == _C.CPPTYPE_MESSAGE:
        return _nested_encoder(field.message_type)
    if cpp == _C.CPPTYPE_ENUM:
        if field.enum_type.full_name == "google.protobuf.NullValue":
            return lambda v: None
        by_number = {n: v.name for n, v in field.enum_type.values_by_number.items()}
        if field.enum_type.is_closed:
            return lambda v: by_number[v] if v in by_number else _closed_enum(field)
        return lambda v: by_number.get(v, v)
    if field.type == _C.TYPE_BYTES:
        return lambda v: base64.b64encode(v).decode("utf-8")
    if cpp in _INT64:
        return str
    if cpp == _C.CPPTYPE_DOUBLE:
        return _double
    if cpp == _C.CPPTYPE_FLOAT:
        return _float
    return _constant  # str, bool, 32-bit ints: as stored


def _nested_encoder(message: Descriptor) -> Callable[[Any], Any]:
    return lambda m: encoder(message)(m)  # looked up when used: recursive types compile


def _closed_enum(field: FieldDescriptor) -> Any:
    raise json_format.SerializeToJsonError(
        f"Enum field {field.name} contains an integer value which can not mapped to an enum value."
    )


def _double(value: float) -> Any:
    if value - value != 0:  # inf or nan
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    return value


def _float(value: float) -> Any:
    if value - value != 0:
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    return type_checkers.ToShortestFloat(value)  # type: ignore[attr-defined]
