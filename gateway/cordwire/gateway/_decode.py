"""JSON dict -> message, compiled per message type: ``ParseDict`` without its walk (see _codec)."""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from ._wkts import STRING_FORM, WRAPPERS, is_map

__all__ = ["decode"]

_C = FieldDescriptor
_INT64 = frozenset({_C.CPPTYPE_INT64, _C.CPPTYPE_UINT64})
_INT32 = frozenset({_C.CPPTYPE_INT32, _C.CPPTYPE_UINT32})
# json_format's own check (a lone surrogate cannot be encoded).
_UNPAIRED_SURROGATE = re.compile(r"[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]")
_SPECIAL = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}
_FLOAT32_MAX = 3.4028234663852886e38


class _Fallback(Exception):
    """Input the compiled path leaves to json_format."""


Decoder = Callable[[Any, Message], None]


def decode(js: Any, message: Message, *, merge: bool = False) -> Message:
    """``ParseDict(js, message)`` (json_format.ParseError on bad input); returns ``message``.

    ``merge``: ``message`` may already hold fields (a body, before the query and path are
    applied); they are kept as ParseDict keeps them, even when json_format has to take over.
    """
    snapshot = message.SerializeToString() if merge else b""
    try:
        _decoder(message.DESCRIPTOR)(js, message)
    except (_Fallback, ValueError, TypeError):
        # Half-applied: start again from the state before, and let json_format decide.
        message.Clear()
        if snapshot:
            message.ParseFromString(snapshot)
        json_format.ParseDict(js, message, ignore_unknown_fields=False)
    return message


@functools.cache
def _decoder(message: Descriptor) -> Decoder:
    name = message.full_name
    if name in WRAPPERS:
        convert = _scalar_decoder(message.fields_by_name["value"])
        return lambda js, m: setattr(m, "value", convert(js))
    if name in STRING_FORM:
        return _from_string
    if name == "google.protobuf.Value":
        return _value  # OpenAI's message content: mostly a plain string
    if name.startswith("google.protobuf."):
        return _json_format_decode
    fields: dict[str, tuple[FieldDescriptor, Decoder, Callable[[Message], None]]] = {}
    for field in message.fields:
        entry = (field, _field_decoder(field), _null_setter(field))
        fields[field.name] = entry
        fields[field.json_name] = entry

    def decode_message(js: Any, m: Message) -> None:
        if type(js) is not dict:
            raise _Fallback
        oneofs: set[str] | None = None
        for key, value in js.items():
            entry = fields.get(key)
            if entry is None:
                raise _Fallback
            field, set_field, set_null = entry
            if value is None:
                set_null(m)  # before the oneof check, as json_format: a null sets no member
                continue
            if field.containing_oneof is not None:
                oneofs = oneofs or set()
                if field.containing_oneof.name in oneofs:
                    raise _Fallback
                oneofs.add(field.containing_oneof.name)
            set_field(value, m)

    return decode_message


def _null_setter(field: FieldDescriptor) -> Callable[[Message], None]:
    """What json_format does with ``null``: a Value becomes null_value, anything else is cleared."""
    name = field.name
    if field.message_type is not None and field.message_type.full_name == "google.protobuf.Value":
        return lambda m: setattr(getattr(m, name), "null_value", 0)
    if field.enum_type is not None and field.enum_type.full_name == "google.protobuf.NullValue":
        return lambda m: setattr(m, name, 0)
    return lambda m: m.ClearField(name)


def _from_string(js: Any, m: Message) -> None:
    if type(js) is not str:
        raise _Fallback
    try:
        m.FromJsonString(js)  # type: ignore[attr-defined]
    except ValueError:
        raise _Fallback from None


def _value(js: Any, m: Message) -> None:
    # json_format's _ConvertValueMessage for the scalar kinds; objects and lists go to it.
    kind = type(js)
    if kind is str:
        m.string_value = js  # type: ignore[attr-defined]
    elif kind is bool:
        m.bool_value = js  # type: ignore[attr-defined]
    elif kind is float or kind is int:
        m.number_value = js  # type: ignore[attr-defined]
    else:
        _json_format_decode(js, m)


def _json_format_decode(js: Any, m: Message) -> None:
    try:
        json_format.ParseDict(js, m, ignore_unknown_fields=False)
    except json_format.ParseError:
        raise _Fallback from None


def _field_decoder(field: FieldDescriptor) -> Decoder:
    name = field.name
    if is_map(field):
        return _map_decoder(field)
    if field.cpp_type == _C.CPPTYPE_MESSAGE:
        nested = _nested_decoder(field.message_type)
        if field.is_repeated:

            def set_messages(js: Any, m: Message) -> None:
                if type(js) is not list:
                    raise _Fallback
                m.ClearField(name)
                container = getattr(m, name)
                for item in js:
                    if item is None:
                        raise _Fallback
                    nested(item, container.add())

            return set_messages

        def set_message(js: Any, m: Message) -> None:
            sub = getattr(m, name)
            sub.SetInParent()
            nested(js, sub)

        return set_message
    convert = _scalar_decoder(field)
    if field.is_repeated:

        def set_scalars(js: Any, m: Message) -> None:
            if type(js) is not list:
                raise _Fallback
            m.ClearField(name)
            getattr(m, name).extend([convert(v) for v in js])

        return set_scalars
    return lambda js, m: setattr(m, name, convert(js))


def _nested_decoder(message: Descriptor) -> Decoder:
    return lambda js, m: _decoder(message)(js, m)


def _map_decoder(field: FieldDescriptor) -> Decoder:
    name = field.name
    key_field = field.message_type.fields_by_name["key"]
    value_field = field.message_type.fields_by_name["value"]
    key_convert = _map_key_decoder(key_field)
    if value_field.cpp_type == _C.CPPTYPE_MESSAGE:
        nested = _nested_decoder(value_field.message_type)

        def set_message_map(js: Any, m: Message) -> None:
            if type(js) is not dict:
                raise _Fallback
            m.ClearField(name)
            container = getattr(m, name)
            for k, v in js.items():
                if v is None:
                    raise _Fallback
                nested(v, container[key_convert(k)])

        return set_message_map
    convert = _scalar_decoder(value_field)

    def set_map(js: Any, m: Message) -> None:
        if type(js) is not dict:
            raise _Fallback
        m.ClearField(name)
        container = getattr(m, name)
        for k, v in js.items():
            container[key_convert(k)] = convert(v)

    return set_map


def _map_key_decoder(field: FieldDescriptor) -> Callable[[Any], Any]:
    cpp = field.cpp_type
    if cpp == _C.CPPTYPE_STRING:
        return _string
    if cpp == _C.CPPTYPE_BOOL:
        return _bool_key
    return _int_key  # canonical decimal text after _strict


def _scalar_decoder(field: FieldDescriptor) -> Callable[[Any], Any]:
    """Converts one JSON value to what json_format would store; _Fallback when unsure."""
    cpp = field.cpp_type
    if cpp in _INT32 or cpp in _INT64:
        return _integer
    if cpp == _C.CPPTYPE_DOUBLE:
        return _double_in
    if cpp == _C.CPPTYPE_FLOAT:
        return _number
    if cpp == _C.CPPTYPE_BOOL:
        return _bool
    if cpp == _C.CPPTYPE_ENUM:
        enum = field.enum_type
        by_name = {v.name: v.number for v in enum.values}
        known = frozenset(v.number for v in enum.values)
        closed = enum.is_closed

        def enum_value(js: Any) -> Any:
            if type(js) is str and js in by_name:
                return by_name[js]
            if type(js) is int and (js in known or not closed):
                return js
            raise _Fallback

        return enum_value
    if field.type == _C.TYPE_BYTES:
        return _bytes
    return _string


def _integer(js: Any) -> Any:
    if type(js) is not int:  # _strict leaves every accepted integer as an int
        raise _Fallback
    return js


def _number(js: Any) -> Any:
    kind = type(js)
    if kind is float and js - js == 0 and -_FLOAT32_MAX <= js <= _FLOAT32_MAX:
        return js
    if kind is str and js in _SPECIAL:
        return _SPECIAL[js]
    raise _Fallback  # ints, doubles past float32's range: json_format's rules


def _double_in(js: Any) -> Any:
    kind = type(js)
    if kind is float and js - js == 0:
        return js
    if kind is str and js in _SPECIAL:
        return _SPECIAL[js]
    raise _Fallback


def _bool(js: Any) -> Any:
    if type(js) is not bool:
        raise _Fallback
    return js


def _string(js: Any) -> Any:
    if type(js) is not str or (not js.isascii() and _UNPAIRED_SURROGATE.search(js)):
        raise _Fallback
    return js


def _bytes(js: Any) -> Any:
    if type(js) is not str:
        raise _Fallback
    try:
        encoded = js.encode("utf-8")
        return base64.urlsafe_b64decode(encoded + b"=" * (4 - len(encoded) % 4))  # json_format's
    except ValueError:
        raise _Fallback from None


def _bool_key(js: Any) -> Any:
    if js == "true":
        return True
    if js == "false":
        return False
    raise _Fallback


def _int_key(js: Any) -> Any:
    try:
        return int(js)
    except ValueError:
        raise _Fallback from None
