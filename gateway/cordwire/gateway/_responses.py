"""Response shaping: a response message (or its ``response_body`` field) as JSON or raw bytes.

JSON follows proto3's mapping with proto field names, enums as names and 64-bit integers as
strings; fields without presence are always printed (zeros, empty lists and maps), because
OpenAI-style clients read keys rather than test for them. Message fields that are unset stay
absent, as proto3 JSON has them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message

from cordwire._protos import cord_options

from ._codec import encode
from ._python_schemas import int64_as_numbers, prints_int64_as_numbers
from ._templates import RouteError

__all__ = ["RawBody", "ResponsePlan", "compile_response", "shape_response"]

HTTP_BODY = "google.api.HttpBody"
DEFAULT_CONTENT_TYPE = "application/octet-stream"


@dataclass(frozen=True, slots=True, kw_only=True)
class RawBody:
    """A response sent as bytes, not JSON: a ``google.api.HttpBody`` or a ``bytes`` field."""

    content_type: str
    """The Content-Type to send."""
    data: bytes
    """The body."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponsePlan:
    """How a route's response becomes an HTTP body, decided once at start-up."""

    output: Descriptor
    """The method's response message type."""
    field: str
    """The ``response_body`` field's proto name, or empty for the whole message."""
    raw: bool
    """The body is bytes: the message or field is an HttpBody, or the field is ``bytes``."""
    singular_message: bool
    """The field is a singular message, so it can be converted alone."""
    content_type: str
    """Content type for raw bodies that carry none (``CordOptions.output_content_type``)."""
    dynamic: bool = False
    """The output holds Struct/Value/ListValue, whose numbers are doubles: whole ones print as ints."""
    int64_numbers: bool = False
    """A Python-first cord's output: its 64-bit ints (pydantic ``int``) print as JSON numbers."""


def compile_response(method: MethodDescriptor, response_body: str) -> ResponsePlan:
    """The plan for ``method``; RouteError when ``response_body`` names no top-level field."""
    output = method.output_type
    content_type = cord_options(method).output_content_type or DEFAULT_CONTENT_TYPE
    dynamic = _holds_dynamic_json(output, set())
    if not response_body:
        raw = output.full_name == HTTP_BODY
        return ResponsePlan(
            output=output,
            field="",
            raw=raw,
            singular_message=False,
            content_type=content_type,
            dynamic=dynamic,
            int64_numbers=not raw and prints_int64_as_numbers(method),
        )
    field = output.fields_by_name.get(response_body)
    if field is None:
        raise RouteError(
            f"{method.full_name}: response_body {response_body!r} is not a field of {output.full_name}"
        )
    msg = field.message_type
    singular = msg is not None and not field.is_repeated
    raw = not field.is_repeated and (
        field.type == FieldDescriptor.TYPE_BYTES or (msg is not None and msg.full_name == HTTP_BODY)
    )
    return ResponsePlan(
        output=output,
        field=field.name,
        raw=raw,
        singular_message=singular,
        content_type=content_type,
        dynamic=dynamic,
    )


def shape_response(plan: ResponsePlan, message: Message) -> Any:
    """The JSON value (dict, list, scalar, or None) or :class:`RawBody` to answer with;
    ``plan`` is the route's (``Route.response``)."""
    target: Any = message
    if plan.field:
        target = getattr(message, plan.field)
        if plan.singular_message and not plan.raw and not message.HasField(plan.field):
            return None
    if plan.raw:
        if isinstance(target, bytes):
            return RawBody(content_type=plan.content_type, data=target)
        return RawBody(content_type=target.content_type or plan.content_type, data=target.data)
    if plan.field and not plan.singular_message:
        # Repeated, map or scalar: convert the message and take the key, so the JSON mapping of
        # the field (int64 as string, enum names, bytes as base64) stays json_format's.
        shaped = _to_dict(message).get(plan.field)
    else:
        shaped = _to_dict(target)
        if plan.int64_numbers:
            shaped = int64_as_numbers(plan.output, shaped)
    return _whole_numbers_as_ints(shaped) if plan.dynamic else shaped


def _to_dict(message: Message) -> Any:
    return encode(message)  # MessageToDict(preserving_proto_field_name, always_print_…), compiled


_DYNAMIC = frozenset({"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"})


def _holds_dynamic_json(message: Descriptor, seen: set[str]) -> bool:
    if message.full_name in _DYNAMIC:
        return True
    seen.add(message.full_name)
    return any(
        f.message_type is not None
        and f.message_type.full_name not in seen
        and _holds_dynamic_json(f.message_type, seen)
        for f in message.fields
    )


def _whole_numbers_as_ints(value: Any) -> Any:
    # Python's json_format prints a Value's 3.0 as 3.0; Go's protojson and C++ print 3, and typed
    # clients (a Go int field) reject 3.0. Doubles beyond 2**53 stay floats: they are not exact.
    if isinstance(value, float):
        negative_zero = value == 0 and math.copysign(1.0, value) < 0  # int() would drop its sign
        return int(value) if value.is_integer() and abs(value) <= 2**53 and not negative_zero else value
    if isinstance(value, dict):
        return {k: _whole_numbers_as_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers_as_ints(v) for v in value]
    return value
