"""Proto3 JSON's value rules that json_format leaves to Python, checked before it sees the JSON.

json_format reads numbers with ``int()``/``float()`` (``"1_000"``, ``"+5"``, ``"0x10"`` through
enums, ``"1_0s"`` as a Duration), so every JSON value bound to a request goes through a checker
compiled once per message type: numbers through the one parser (:mod:`._numbers`), enums as
names or integers, Durations and Timestamps by their proto3 JSON grammar. Values are rewritten
in place to the form json_format reads exactly; anything else is a :class:`FieldValueError`
naming the field as the client wrote it (``book.pageCount``). Shapes (an object where a list
belongs, unknown names) are left to json_format, which already refuses them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from ._numbers import INT_RANGES, NumberError, parse_float, parse_integer

__all__ = ["FieldValueError", "check_message", "value_checker"]

Checker = Callable[[Any, str], Any]
"""(JSON value, its path as written) → the value json_format should see."""

_DURATION = re.compile(r"-?[0-9]+(?:\.[0-9]{1,9})?s\Z")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})\Z"
)
_WRAPPERS = frozenset(
    f"google.protobuf.{n}Value"
    for n in ("Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes")
)
_FREE_FORM = frozenset(
    f"google.protobuf.{n}" for n in ("Struct", "Value", "ListValue", "Any", "FieldMask", "Empty")
)


class FieldValueError(ValueError):
    """A value proto3 JSON does not allow for its field."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"invalid value for field {path!r}: {reason}")
        self.path = path
        self.reason = reason


def check_message(message: Descriptor, js: Any, path: str = "") -> Any:
    """``js`` (a JSON object for ``message``) with its values in json_format's exact form."""
    return _message_checker(message)(js, path)


@functools.cache
def value_checker(field: FieldDescriptor) -> Checker:
    """The checker for one value of ``field`` (an element, for repeated fields)."""
    msg = field.message_type
    if msg is not None:
        name = msg.full_name
        if name in _WRAPPERS:
            return value_checker(msg.fields_by_name["value"])
        if name == "google.protobuf.Duration":
            return functools.partial(_grammar, _DURATION, "a duration such as 1.5s")
        if name == "google.protobuf.Timestamp":
            return functools.partial(_grammar, _TIMESTAMP, "an RFC 3339 timestamp")
        if name in _FREE_FORM or name.startswith("google.protobuf."):
            return _as_is
        return functools.partial(_nested, msg)
    cpp = field.cpp_type
    if cpp == FieldDescriptor.CPPTYPE_ENUM:
        return functools.partial(_enum, field.enum_type)
    if cpp in INT_RANGES:
        return functools.partial(_integer, *INT_RANGES[cpp])
    if cpp == FieldDescriptor.CPPTYPE_FLOAT:
        return functools.partial(_float, True)
    if cpp == FieldDescriptor.CPPTYPE_DOUBLE:
        return functools.partial(_float, False)
    return _as_is


def _field_checker(field: FieldDescriptor) -> Checker | None:
    """The checker for the whole JSON value of ``field``; None when nothing needs checking."""
    msg = field.message_type
    if msg is not None and msg.GetOptions().map_entry:
        key = msg.fields_by_name["key"]
        value = value_checker(msg.fields_by_name["value"])
        # Map keys stay strings (json_format parses them again), in canonical decimal form.
        key_check: Checker | None = None
        if key.cpp_type in INT_RANGES:
            key_check = functools.partial(_map_key, *INT_RANGES[key.cpp_type])
        if key_check is None and value is _as_is:
            return None
        return functools.partial(_map, key_check, value)
    element = value_checker(field)
    if element is _as_is:
        return None
    return functools.partial(_repeated, element) if field.is_repeated else element


@functools.cache
def _message_checker(message: Descriptor) -> Checker:
    fields: dict[str, Checker] = {}
    for field in message.fields:
        check = _field_checker(field)
        if check is not None:
            fields[field.name] = check
            fields[field.json_name] = check
    return functools.partial(_message, fields)


def _nested(message: Descriptor, js: Any, path: str) -> Any:
    # Looked up when used, not when compiled, so recursive types (a Book of Books) compile.
    return _message_checker(message)(js, path)


def _message(fields: dict[str, Checker], js: Any, path: str) -> Any:
    if not isinstance(js, dict):
        return js  # json_format refuses it with its own message
    for key, value in js.items():
        check = fields.get(key)
        if check is not None and value is not None:
            js[key] = check(value, f"{path}.{key}" if path else key)
    return js


def _repeated(element: Checker, js: Any, path: str) -> Any:
    if not isinstance(js, list):
        return js
    return [None if v is None else element(v, path) for v in js]


def _map(key_check: Checker | None, value: Checker, js: Any, path: str) -> Any:
    if not isinstance(js, dict):
        return js
    out = {}
    for k, v in js.items():
        where = f"{path}.{k}"
        out[key_check(k, where) if key_check is not None else k] = v if v is None else value(v, where)
    return out


def _as_is(js: Any, path: str) -> Any:
    return js


def _integer(low: int, high: int, js: Any, path: str) -> Any:
    try:
        return parse_integer(js, low, high)
    except NumberError as e:
        raise FieldValueError(path, str(e)) from None


def _map_key(low: int, high: int, js: Any, path: str) -> Any:
    return str(_integer(low, high, js, path))


def _float(single: bool, js: Any, path: str) -> Any:
    try:
        return parse_float(js, single)
    except NumberError as e:
        raise FieldValueError(path, str(e)) from None


def _enum(enum: EnumDescriptor, js: Any, path: str) -> Any:
    if isinstance(js, str) and js in enum.values_by_name:
        return js
    if isinstance(js, str) and not js[:1].isdigit() and js[:1] != "-":
        raise FieldValueError(path, f"{js[:40]!r} is not a value of {enum.full_name}")
    return _integer(*INT_RANGES[FieldDescriptor.CPPTYPE_ENUM], js, path)


def _grammar(pattern: re.Pattern[str], what: str, js: Any, path: str) -> Any:
    if isinstance(js, str) and not pattern.match(js):
        raise FieldValueError(path, f"{js[:40]!r} is not {what}")
    return js
