"""What OpenAPI and response shaping take from Python-first cords (pydantic), not from descriptors.

A synthesized message cannot carry pydantic's constraints, descriptions and examples, so OpenAPI
shows the model's own JSON Schema for the request (with ``minimal_input_schema`` as the minimal
example) and for ``output_schema`` / model results. Their ``int`` fields are 64-bit in the proto;
over HTTP they print as JSON numbers, as the model's schema says (gRPC keeps int64).
"""

from __future__ import annotations

import functools
from typing import Any

import pydantic
from google.protobuf.descriptor import Descriptor, MethodDescriptor

from cordwire._pycords import INT64_TYPES, int64_as_numbers

__all__ = ["int64_as_numbers", "prints_int64_as_numbers", "python_request_schema", "python_response_schema"]

_INT64 = INT64_TYPES
_PLACEHOLDERS = {"string": "string", "integer": 0, "number": 0.0, "boolean": False, "array": [], "object": {}}


def _cord(method: MethodDescriptor) -> Any:
    from cordwire._pycords import python_cord

    return python_cord(method)


def python_request_schema(method: MethodDescriptor, components: dict[str, Any]) -> dict[str, Any] | None:
    """The request body's schema for a Python-first cord (None for proto-first methods)."""
    cord = _cord(method)
    if cord is None or cord.input_model is None:
        return None
    schema = model_schema(cord.input_model, components, "validation")
    if cord.minimal_input_schema is not None:
        schema["examples"] = [minimal_example(cord.minimal_input_schema)]
        schema.setdefault(
            "description", f"Only the fields of {cord.minimal_input_schema.__name__} are needed."
        )
    return schema


def python_response_schema(method: MethodDescriptor, components: dict[str, Any]) -> dict[str, Any] | None:
    """The response schema of a cord with ``output_schema`` or a pydantic return annotation."""
    cord = _cord(method)
    if cord is None or cord.output_model is None:
        return None
    return model_schema(cord.output_model, components, "serialization")


def model_schema(model: type[pydantic.BaseModel], components: dict[str, Any], mode: Any) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    return schema


def minimal_example(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    """The smallest body ``model`` accepts: its required fields, each with an example value."""
    schema = model.model_json_schema()
    example: dict[str, Any] = {}
    for name in schema.get("required", []):
        prop = schema["properties"].get(name, {})
        if prop.get("examples"):
            example[name] = prop["examples"][0]
        else:
            example[name] = _PLACEHOLDERS.get(prop.get("type", "string"))
    return example


@functools.cache
def prints_int64_as_numbers(method: MethodDescriptor) -> bool:
    """Whether ``method`` is Python-first and its output has 64-bit integer fields."""
    return _cord(method) is not None and _has_int64(method.output_type, frozenset())


def _has_int64(message: Descriptor, seen: frozenset[str]) -> bool:
    if message.full_name in seen or message.full_name.startswith("google."):
        return False
    seen = seen | {message.full_name}
    return any(
        f.type in _INT64 or (f.message_type is not None and _has_int64(f.message_type, seen))
        for f in message.fields
    )
