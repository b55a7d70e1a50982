"""OpenAPI 3.1 from the compiled routes: the same descriptors that serve the calls describe them.

Schemas follow what the gateway sends and takes (proto3 JSON): proto field names (lowerCamel is
accepted too, and said so), 64-bit integers as strings, enums by name, well-known types in their
JSON forms. Multi-segment variables (``{name=shelves/*/books/*}``) become one path parameter
``{name}`` whose value holds unescaped slashes, with the segment pattern as ``pattern``, as
grpc-gateway's openapiv2 generator does: OpenAPI has no way to say that a parameter spans segments.
Proto comments are not included: descriptors loaded at run time carry no source info.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from ._fields import TextKind, field_index
from ._python_schemas import python_request_schema, python_response_schema
from ._routes import Route
from ._templates import SegmentKind

if TYPE_CHECKING:
    from ._endpoints import ChuteEndpoint

__all__ = ["openapi_document"]

_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
_INT64 = {"type": "string", "format": "int64", "pattern": r"^-?[0-9]+$"}
_NON_FINITE = {"type": "string", "enum": ["NaN", "Infinity", "-Infinity"]}
_SCALARS: dict[int, dict[str, Any]] = {
    # proto3 JSON writes the non-finite values as strings.
    FieldDescriptor.TYPE_DOUBLE: {"oneOf": [{"type": "number", "format": "double"}, _NON_FINITE]},
    FieldDescriptor.TYPE_FLOAT: {"oneOf": [{"type": "number", "format": "float"}, _NON_FINITE]},
    FieldDescriptor.TYPE_INT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SINT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_UINT32: {"type": "integer", "format": "uint32", "minimum": 0},
    FieldDescriptor.TYPE_FIXED32: {"type": "integer", "format": "uint32", "minimum": 0},
    FieldDescriptor.TYPE_INT64: _INT64,
    FieldDescriptor.TYPE_SINT64: _INT64,
    FieldDescriptor.TYPE_SFIXED64: _INT64,
    FieldDescriptor.TYPE_UINT64: {**_INT64, "format": "uint64", "pattern": "^[0-9]+$"},
    FieldDescriptor.TYPE_FIXED64: {**_INT64, "format": "uint64", "pattern": "^[0-9]+$"},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "format": "byte", "contentEncoding": "base64"},
}
_WKT: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {
        "type": "string",
        "pattern": r"^-?[0-9]+(\.[0-9]{1,9})?s$",
        "examples": ["1.5s"],
    },
    "google.protobuf.FieldMask": {"type": "string", "description": "Comma-separated field paths."},
    "google.protobuf.Struct": {"type": "object", "additionalProperties": True},
    "google.protobuf.Value": {"description": "Any JSON value."},
    "google.protobuf.ListValue": {"type": "array", "items": {}},
    "google.protobuf.Empty": {"type": "object"},
    "google.protobuf.Any": {"type": "object", "properties": {"@type": {"type": "string"}}},
}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type", "param", "code"],
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string", "description": "invalid_request_error, rate_limit_error, ..."},
                "param": {"type": ["string", "null"], "description": "The request field at fault."},
                "code": {"type": "string", "description": "A reason, or the gRPC code name in lower case."},
            },
        }
    },
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}


class _Schemas:
    """Component schemas, added as messages and enums are first referred to."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Error": ERROR_SCHEMA}

    def message(self, desc: Descriptor) -> dict[str, Any]:
        if desc.full_name in _WKT:
            return dict(_WKT[desc.full_name])
        if desc.full_name.startswith("google.protobuf.") and desc.full_name.endswith("Value"):
            inner = self.field(desc.fields_by_name["value"])  # a wrapper: its scalar, or null
            return {**inner, "type": [inner["type"], "null"]}
        if desc.full_name not in self.components:
            self.components[desc.full_name] = {}  # placeholder first: messages may recurse
            props = {f.name: self.field(f) for f in desc.fields}
            self.components[desc.full_name] = {"type": "object", "properties": props}
        return {"$ref": f"#/components/schemas/{desc.full_name}"}

    def enum(self, desc: EnumDescriptor) -> dict[str, Any]:
        if desc.full_name not in self.components:
            names = [v.name for v in desc.values]
            self.components[desc.full_name] = {"type": "string", "enum": names}
        return {"$ref": f"#/components/schemas/{desc.full_name}"}

    def field(self, field: FieldDescriptor) -> dict[str, Any]:
        msg = field.message_type
        if msg is not None and msg.GetOptions().map_entry:
            return {"type": "object", "additionalProperties": self.field(msg.fields_by_name["value"])}
        if msg is not None:
            schema = self.message(msg)
        elif field.enum_type is not None:
            schema = self.enum(field.enum_type)
        else:
            schema = dict(_SCALARS[field.type])
        if field.is_repeated:
            schema = {"type": "array", "items": schema}
        json_name: str = field.json_name  # type: ignore[attr-defined]  # missing from the stubs
        if json_name != field.name:
            schema["description"] = f"Also accepted as `{json_name}`."
        return schema


def openapi_document(endpoints: Sequence[ChuteEndpoint]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every chute: at the root for one, under /chutes/{id} for several."""
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        prefix = "" if len(endpoints) == 1 else f"/chutes/{endpoint.chute_id}"
        tag = endpoint.chute_id
        for route in endpoint.routes.routes:
            verb = route.http_method.lower()
            if verb not in _HTTP_METHODS:
                continue  # a custom kind OpenAPI has no name for
            path, params = _path(route, schemas)
            ops = paths.setdefault(prefix + path, {})
            if verb in ops:
                continue  # two templates with one OpenAPI path (different patterns): first is listed
            op_id = f"{tag}.{route.method.name}" if len(endpoints) > 1 else route.method.name
            while any(op_id == o["operationId"] for p in paths.values() for o in p.values()):
                op_id += "_"  # additional bindings of one method
            ops[verb] = _operation(route, params + _query(route, schemas), op_id, tag, schemas)
    titles = ", ".join(e.chute_id for e in endpoints) or "no chutes"
    return {
        "openapi": "3.1.0",
        "info": {"title": f"cordwire: {titles}", "version": "1.0.0"},
        "paths": paths,
        "components": {"schemas": schemas.components, "securitySchemes": _SECURITY_SCHEMES},
        # Either scheme is enough; chutes served with --no-auth ignore both.
        "security": [{name: []} for name in _SECURITY_SCHEMES],
    }


# The two ways a key may come (DESIGN: auth): /docs offers both in its "Authorize" dialog.
_SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "BearerKey": {"type": "http", "scheme": "bearer", "description": "The API key as a bearer token."},
}


def _path(route: Route, schemas: _Schemas) -> tuple[str, list[dict[str, Any]]]:
    parts = [s.text for s in route.template.segments]
    params: list[dict[str, Any]] = []
    for var in reversed(route.template.variables):  # reversed: splicing keeps earlier indexes valid
        end = len(parts) if var.end is None else var.end
        covered = route.template.segments[var.start : end]
        pattern = "/".join(
            {SegmentKind.SINGLE: "[^/]+", SegmentKind.MULTI: ".*"}.get(s.kind, re.escape(s.text))
            for s in covered
        )
        parts[var.start : end] = ["{" + var.name + "}"]
        leaf = route.binding.path_fields[var.name][-1].descriptor
        schema = schemas.field(leaf)
        param: dict[str, Any] = {"name": var.name, "in": "path", "required": True, "schema": schema}
        if var.multi_segment:
            shown = "/".join(s.text for s in covered)
            schema["pattern"] = f"^{pattern}$"
            param["description"] = (
                f"Matches `{shown}`: the value spans path segments; send its slashes unescaped."
            )
        params.insert(0, param)
    verb = f":{route.template.verb}" if route.template.verb else ""
    return "/" + "/".join(parts) + verb, params


def _query(route: Route, schemas: _Schemas) -> list[dict[str, Any]]:
    if route.body == "*":
        return []  # the spec leaves no query parameters with body "*"
    out: list[dict[str, Any]] = []

    def walk(desc: Descriptor, prefix: tuple[str, ...]) -> None:
        for name, info in field_index(desc).items():
            path = (*prefix, name)
            if name != info.name or any(
                path[: len(b)] == b or b[: len(path)] == path for b in route.binding.bound
            ):
                continue  # one entry per field (its proto name), none for bound fields
            if (
                info.kind is TextKind.MESSAGE
                and info.message is not None
                and not info.repeated
                and len(path) < 3
            ):
                walk(info.message, path)
            elif info.kind not in (TextKind.MESSAGE, TextKind.UNSUPPORTED):
                out.append({"name": ".".join(path), "in": "query", "schema": schemas.field(info.descriptor)})

    walk(route.binding.message, ())
    return out


def _operation(route: Route, params: list[Any], op_id: str, tag: str, schemas: _Schemas) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": op_id, "tags": [tag], "summary": route.method.full_name}
    if params:
        op["parameters"] = params
    if route.body:
        op["requestBody"] = {"required": False, "content": _request_content(route, schemas)}
    content = _response_content(route, schemas)
    if route.twin is not None:
        content.update(_response_content(route.twin, schemas))
        op["description"] = f"Streams (server-sent events) when `{route.stream_selector}` is true."
    op["responses"] = {
        str(route.http_status): {"description": "OK", "content": content},
        "default": {"description": "Error", "content": {"application/json": {"schema": _ERROR_REF}}},
    }
    return op


def _request_content(route: Route, schemas: _Schemas) -> dict[str, Any]:
    if route.binding.raw_body:
        return {"*/*": {"schema": {"description": "The raw body (google.api.HttpBody), any media type."}}}
    msg = route.binding.message
    python = python_request_schema(route.method, schemas.components) if route.body == "*" else None
    if python is not None:  # a Python-first cord: pydantic's schema, constraints and all
        return {"application/json": {"schema": python}}
    schema = schemas.message(msg) if route.body == "*" else schemas.field(msg.fields_by_name[route.body])
    return {"application/json": {"schema": schema}}


def _response_content(route: Route, schemas: _Schemas) -> dict[str, Any]:
    plan, output = route.response, route.method.output_type
    if plan.raw:
        # An HttpBody names its own content type; this is the cord's default when it names none.
        return {plan.content_type: {"schema": {"description": "Raw bytes (google.api.HttpBody or bytes)."}}}
    schema = schemas.message(output) if not plan.field else schemas.field(output.fields_by_name[plan.field])
    if not plan.field:
        schema = python_response_schema(route.method, schemas.components) or schema
    if not route.server_streaming:
        return {"application/json": {"schema": schema}}
    sse = "One `data: <json>` event per message (x-event), an error event on failure, `data: [DONE]` last."
    return {
        "text/event-stream": {"schema": {"type": "string", "description": sse}, "x-event": schema},
        "application/x-ndjson": {"schema": schema},  # one message per line, with that Accept
    }
