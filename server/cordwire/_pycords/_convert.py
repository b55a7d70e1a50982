"""Messages to the Python values pydantic validates, and handler results back to messages."""

from __future__ import annotations

import base64
import enum
from collections.abc import Mapping
from typing import Any

import pydantic
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from ._request import UploadFile

__all__ = ["INT64_TYPES", "int64_as_numbers", "jsonable", "to_message", "to_python"]

INT64_TYPES = frozenset(
    {
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_SINT64,
        FieldDescriptor.TYPE_SFIXED64,
        FieldDescriptor.TYPE_UINT64,
        FieldDescriptor.TYPE_FIXED64,
    }
)
_JSON_WKTS = frozenset({"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"})


def to_python(message: Message) -> dict[str, Any]:
    """The fields the caller set, as plain Python values (bytes stay bytes, not base64).

    Unset fields are left out, so that pydantic applies the model's defaults to them.
    """
    return {field.name: _field_value(field, value) for field, value in message.ListFields()}


def _field_value(field: FieldDescriptor, value: Any) -> Any:
    if field.message_type is None:
        return list(value) if field.is_repeated else value
    if field.message_type.GetOptions().map_entry:
        inner = field.message_type.fields_by_name["value"]
        return {k: _single(inner, v) for k, v in value.items()}
    if field.is_repeated:
        return [_single(field, v) for v in value]
    return _single(field, value)


def _single(field: FieldDescriptor, value: Any) -> Any:
    message_type = field.message_type
    if message_type is None:
        return value
    if message_type.full_name in _JSON_WKTS:
        return json_format.MessageToDict(value)
    if _is_uploaded_file(message_type):
        return UploadFile(value.data, value.filename, value.content_type)
    return to_python(value)


def _is_uploaded_file(descriptor: Any) -> bool:
    return descriptor.name.startswith("UploadedFile") and set(descriptor.fields_by_name) == {
        "filename",
        "content_type",
        "data",
    }


def to_message(value: Any, message: Message) -> Message:
    """``value`` (dict, model, list, scalar) parsed into ``message`` with proto3 JSON rules."""
    json_format.ParseDict(jsonable(value), message, ignore_unknown_fields=False)
    return message


def jsonable(value: Any) -> Any:
    """A JSON-ready copy of a handler's result: models dumped, bytes as base64, numpy as Python."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, pydantic.BaseModel):
        return jsonable(value.model_dump())
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    for method in ("tolist", "item", "isoformat"):  # numpy arrays and scalars, dates
        if callable(getattr(value, method, None)):
            return jsonable(getattr(value, method)())
    raise TypeError(f"{type(value).__name__} is not JSON-serializable")


def int64_as_numbers(message: Descriptor, value: Any) -> Any:
    """``value`` (``message`` in proto3 JSON) with its 64-bit integers as numbers, not strings."""
    if not isinstance(value, dict) or message.full_name.startswith("google."):
        return value
    for field in message.fields:
        if field.name not in value:
            continue
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            inner = entry.fields_by_name["value"]
            value[field.name] = {k: _one(inner, v) for k, v in value[field.name].items()}
        elif field.is_repeated:
            value[field.name] = [_one(field, v) for v in value[field.name]]
        else:
            value[field.name] = _one(field, value[field.name])
    return value


def _one(field: FieldDescriptor, value: Any) -> Any:
    if field.type in INT64_TYPES and isinstance(value, str):
        return int(value)
    if field.message_type is not None:
        return int64_as_numbers(field.message_type, value)
    return value
