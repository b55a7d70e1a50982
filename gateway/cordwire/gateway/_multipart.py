"""``multipart/form-data`` request bodies as the JSON object the binding already understands.

File parts fill ``bytes`` fields, or message fields shaped like a file (``google.api.HttpBody``,
a Python cord's ``UploadedFile``: ``data``, ``content_type`` and maybe ``filename``); text parts
fill scalar fields as query parameters do, and message-typed fields (Struct, nested messages) as
JSON text. Parsed with the standard library's ``email`` parser (python-multipart is not installed):
the whole body is in memory anyway, bounded by the gateway's body limit.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import urllib.parse
from typing import Any

import orjson
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from cordwire._codes import Code
from cordwire._errors import CordError

from ._binding import BindingPlan
from ._fields import TextKind, field_index, text_to_json

__all__ = ["form_as_json", "urlencoded_as_json"]

_FILE_FIELDS = frozenset({"data", "content_type"})


def form_as_json(body: bytes, content_type: str, plan: BindingPlan) -> bytes:
    """The JSON body equivalent to the form; CordError(INVALID_ARGUMENT) for a bad form or field."""
    target = _target(plan)
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart() or message.defects:
        raise CordError(Code.INVALID_ARGUMENT, "the multipart/form-data body cannot be parsed")
    values: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            raise CordError(Code.INVALID_ARGUMENT, "a form part has no name in its Content-Disposition")
        info = field_index(target).get(name)
        if info is None:
            raise CordError(Code.INVALID_ARGUMENT, f"unknown form field {name!r}", param=name)
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        value = _value(info.descriptor, info.kind, data, part.get_filename(), part.get_content_type(), name)
        if info.repeated:
            values.setdefault(info.name, []).append(value)
        elif info.name in values:
            raise CordError(Code.INVALID_ARGUMENT, f"form field {name!r} was sent twice", param=name)
        else:
            values[info.name] = value
    return orjson.dumps(values)


def urlencoded_as_json(body: bytes, plan: BindingPlan) -> bytes:
    """An ``application/x-www-form-urlencoded`` form (FastAPI's ``Form(...)``) as its JSON body."""
    target = _target(plan)
    try:
        pairs = urllib.parse.parse_qsl(body.decode("ascii"), keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise CordError(Code.INVALID_ARGUMENT, "the form body is not valid percent-encoding") from None
    values: dict[str, Any] = {}
    for name, text in pairs:
        info = field_index(target).get(name)
        if info is None:
            raise CordError(Code.INVALID_ARGUMENT, f"unknown form field {name!r}", param=name)
        value = _value(info.descriptor, info.kind, text.encode(), None, "text/plain", name)
        if info.repeated:
            values.setdefault(info.name, []).append(value)
        elif info.name in values:
            raise CordError(Code.INVALID_ARGUMENT, f"form field {name!r} was sent twice", param=name)
        else:
            values[info.name] = value
    return orjson.dumps(values)


def _target(plan: BindingPlan) -> Descriptor:
    if plan.body == "*":
        return plan.message
    field = plan.message.fields_by_name[plan.body]
    if field.message_type is None:
        raise CordError(Code.INVALID_ARGUMENT, "this route's body is not a form", param=plan.body)
    target: Descriptor = field.message_type
    return target


def _value(
    field: FieldDescriptor, kind: TextKind, data: bytes, filename: str | None, media: str, name: str
) -> Any:
    if field.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64encode(data).decode()
    message = field.message_type
    if message is not None and set(message.fields_by_name) >= _FILE_FIELDS:
        shaped: dict[str, Any] = {"data": base64.b64encode(data).decode(), "content_type": media}
        if "filename" in message.fields_by_name and filename:
            shaped["filename"] = filename
        return shaped
    try:
        text = data.decode("utf-8")
        if kind in (TextKind.MESSAGE, TextKind.UNSUPPORTED):
            return orjson.loads(text)
        return text_to_json(kind, text)
    except (UnicodeDecodeError, orjson.JSONDecodeError, ValueError) as exc:
        raise CordError(
            Code.INVALID_ARGUMENT, f"invalid value for form field {name!r}: {exc}", param=name
        ) from None
