"""Request binding: path variables, query parameters and the body become one request message.

Everything goes through the proto3 JSON mapping (``._codec.decode``: json_format's, compiled per
message type), after ``._strict`` has checked the values; this module only decides which JSON
goes where. Order: body, then query, then path variables, so a path variable wins
over the same field sent in a ``body: "*"`` JSON object (as grpc-gateway does).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, MethodDescriptor
from google.protobuf.message import Message

from cordwire._codes import Code
from cordwire._errors import CordError
from cordwire._protos import message_class

from ._codec import decode
from ._fields import FieldInfo, TextKind, resolve_path, text_to_json
from ._parse_errors import describe, explain
from ._strict import FieldValueError, check_message, value_checker
from ._templates import RouteError, Template

__all__ = ["BindingPlan", "bind_request", "compile_binding"]

HTTP_BODY = "google.api.HttpBody"


@dataclass(frozen=True, slots=True, kw_only=True)
class BindingPlan:
    """What a route's request needs, looked up once at start-up."""

    message: Descriptor
    """The request message type."""
    message_class: type[Message]
    """Its class, so binding never goes through the factory."""
    body: str
    """``""`` (no body), ``"*"`` (the whole message) or a top-level field name."""
    raw_body: bool
    """The body is a ``google.api.HttpBody`` (request type or body field): bytes, not JSON."""
    object_body: bool
    """The body must be a JSON object (it is a plain message; WKTs and lists have other forms)."""
    path_fields: Mapping[str, tuple[FieldInfo, ...]]
    """Per template variable, the fields its dotted path walks through."""
    bound: tuple[tuple[str, ...], ...]
    """Field paths set by the path or the body; a query parameter may not reach into them."""


def compile_binding(method: MethodDescriptor, template: Template, body: str) -> BindingPlan:
    """The plan for ``method`` under ``template``; RouteError when ``body`` names no field."""
    message = method.input_type
    bound: list[tuple[str, ...]] = [v.field_path for v in template.variables]
    raw = body == "*" and message.full_name == HTTP_BODY
    target: Descriptor | None = message
    if body == "*":
        bound.append(())  # every field: the spec leaves no query parameters with body "*"
    elif body:
        field = message.fields_by_name.get(body)
        if field is None:
            raise RouteError(f"{method.full_name}: body {body!r} is not a field of {message.full_name}")
        raw = field.message_type is not None and field.message_type.full_name == HTTP_BODY
        target = None if field.is_repeated else field.message_type
        bound.append((body,))
    paths = {v.name: resolve_path(message, v.name) for v in template.variables}
    return BindingPlan(
        message=message,
        message_class=message_class(message),
        body=body,
        raw_body=raw,
        object_body=target is not None and not target.full_name.startswith("google.protobuf."),
        path_fields={k: v for k, v in paths.items() if v is not None},
        bound=tuple(bound),
    )


def bind_request(
    plan: BindingPlan,
    bindings: Mapping[str, str],
    query: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    content_type: str = "",
    *,
    ignore_unknown_query: bool = False,
) -> Message:
    """The request message for one HTTP call; CordError(INVALID_ARGUMENT, param=...) on bad input.

    ``query`` holds decoded (name, value) pairs in order. A query parameter that names no field,
    or a field the path or body sets, is a 400 naming it unless ``ignore_unknown_query`` (then it
    is dropped, as grpc-gateway does). ``plan`` is the route's (``Route.binding``).
    """
    request = plan.message_class()
    if plan.raw_body:
        target: Any = request if plan.body == "*" else getattr(request, plan.body)
        target.content_type = content_type
        target.data = body
    elif plan.body and body.strip():
        try:
            js: Any = orjson.loads(body)
        except orjson.JSONDecodeError as e:
            raise CordError(Code.INVALID_ARGUMENT, f"request body is not valid JSON: {e}") from None
        _check_depth(body, js)
        if plan.object_body and not isinstance(js, dict):
            raise CordError(Code.INVALID_ARGUMENT, "request body must be a JSON object", param=_param(plan))
        _parse(plan.message, js if plan.body == "*" else {plan.body: js}, request)
    _apply(_query_leaves(plan, query, ignore_unknown_query), request)
    path_leaves = []
    for name, text in bindings.items():
        chain = plan.path_fields[name]
        path_leaves.append((name, tuple(f.name for f in chain), _convert(chain[-1], [text], name)))
    _apply(path_leaves, request)
    return request


MAX_JSON_DEPTH = 32
"""Deepest JSON body accepted (the outer object is level 1). protobuf's decoder refuses messages
nested past 100 levels (a google.protobuf.Struct level costs three: ~33 JSON levels), and
json_format recurses per level (RecursionError, a 500, from a couple of hundred): a deeper body
is refused here with a 400 rather than failing later, or only over gRPC."""


def _check_depth(body: bytes, js: Any) -> None:
    # Nesting needs brackets: most bodies hold too few to be deep, and counting them runs in C.
    if body.count(b"{") + body.count(b"[") <= MAX_JSON_DEPTH:
        return
    level: list[tuple[Any, int]] = [(js, 1)]
    while level:  # iterative, so the check cannot itself run out of stack
        value, depth = level.pop()
        if depth > MAX_JSON_DEPTH:
            raise CordError(Code.INVALID_ARGUMENT, f"request body nests deeper than {MAX_JSON_DEPTH} levels")
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        level.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def _param(plan: BindingPlan) -> str | None:
    return None if plan.body == "*" else plan.body


_Leaf = tuple[str, tuple[str, ...], object]  # (parameter as sent, proto-name path, JSON value)


def _query_leaves(plan: BindingPlan, query: Iterable[tuple[str, str]], lenient: bool) -> list[_Leaf]:
    grouped: dict[tuple[str, ...], tuple[str, FieldInfo, list[str]]] = {}
    for key, value in query:
        chain = resolve_path(plan.message, key)
        if chain is None:
            if lenient:
                continue
            raise CordError(Code.INVALID_ARGUMENT, f"unknown query parameter {key!r}", param=key)
        names = tuple(f.name for f in chain)
        if _is_bound(plan, names):
            if lenient:
                continue
            where = "the request body" if plan.body else "the URL path"
            raise CordError(Code.INVALID_ARGUMENT, f"query parameter {key!r} is set by {where}", param=key)
        if any(f.repeated for f in chain[:-1]):
            raise CordError(
                Code.INVALID_ARGUMENT, f"query parameter {key!r} reaches into a repeated message", param=key
            )
        grouped.setdefault(names, (key, chain[-1], []))[2].append(value)
    return [(key, names, _convert(leaf, values, key)) for names, (key, leaf, values) in grouped.items()]


def _is_bound(plan: BindingPlan, names: tuple[str, ...]) -> bool:
    # Bound if either path is a prefix of the other: `book` bound blocks `book.title`, and a bound
    # `book.name` blocks setting `book` as a whole.
    return any(names[: len(b)] == b or b[: len(names)] == names for b in plan.bound)


def _convert(leaf: FieldInfo, values: list[str], key: str) -> object:
    if leaf.kind is TextKind.MESSAGE or leaf.kind is TextKind.UNSUPPORTED:
        hint = "; set its fields as name.field=value" if leaf.kind is TextKind.MESSAGE else ""
        raise CordError(Code.INVALID_ARGUMENT, f"{key!r} cannot be set from text{hint}", param=key)
    if not leaf.repeated and len(values) > 1:
        raise CordError(
            Code.INVALID_ARGUMENT, f"{key!r} is not repeated but was given more than once", param=key
        )
    check = value_checker(leaf.descriptor)
    try:
        converted = [check(text_to_json(leaf.kind, v), key) for v in values]
    except FieldValueError as e:
        raise CordError(Code.INVALID_ARGUMENT, f"invalid value for {key!r}: {e.reason}", param=key) from None
    except ValueError as e:
        raise CordError(Code.INVALID_ARGUMENT, f"invalid value for {key!r}: {e}", param=key) from None
    return converted if leaf.repeated else converted[0]


def _apply(leaves: list[_Leaf], request: Message) -> None:
    if not leaves:
        return
    js: dict[str, Any] = {}
    for _, names, value in leaves:
        node = js
        for name in names[:-1]:
            node = node.setdefault(name, {})
        node[names[-1]] = value
    try:
        decode(js, request, merge=True)
    except json_format.ParseError as error:
        # Find the parameter at fault, one at a time (the error path only), to name it.
        for key, names, value in leaves:
            single: dict[str, Any] = {names[-1]: value}
            for name in reversed(names[:-1]):
                single = {name: single}
            try:
                json_format.ParseDict(single, type(request)(), ignore_unknown_fields=False)
            except json_format.ParseError as e:
                raise CordError(
                    Code.INVALID_ARGUMENT, f"invalid value for {key!r}: {explain(e)[1]}", param=key
                ) from None
        param, detail = describe(error)  # no single culprit: a oneof set twice, say
        raise CordError(Code.INVALID_ARGUMENT, detail, param=param) from None


def _parse(message: Descriptor, js: Any, request: Message) -> None:
    try:
        decode(check_message(message, js), request)
    except FieldValueError as e:
        raise CordError(Code.INVALID_ARGUMENT, str(e), param=e.path) from None
    except json_format.ParseError as e:
        param, detail = describe(e)
        raise CordError(Code.INVALID_ARGUMENT, detail, param=param) from None
