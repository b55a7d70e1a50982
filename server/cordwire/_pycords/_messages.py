"""Pydantic models and Python annotations as protobuf messages (``DescriptorProto``s).

Every singular scalar is proto3 ``optional``: the adapter then knows which fields the caller
left out, so pydantic's defaults and "field required" errors apply exactly as they would to JSON.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import types
import typing
from typing import Any

import pydantic
from google.protobuf import descriptor_pb2

from ._request import UploadFile

__all__ = ["UPLOADED_FILE", "WKT_FILES", "MessageBuilder"]

F = descriptor_pb2.FieldDescriptorProto
UPLOADED_FILE = "UploadedFile"
# Files to import for each well-known or google.api type the synthesized messages use.
WKT_FILES = {
    "google.protobuf.Struct": "google/protobuf/struct.proto",
    "google.protobuf.Value": "google/protobuf/struct.proto",
    "google.protobuf.ListValue": "google/protobuf/struct.proto",
    "google.protobuf.Empty": "google/protobuf/empty.proto",
    "google.api.HttpBody": "google/api/httpbody.proto",
}
_SCALARS: dict[Any, int] = {
    str: F.TYPE_STRING,
    int: F.TYPE_INT64,
    float: F.TYPE_DOUBLE,
    bool: F.TYPE_BOOL,
    bytes: F.TYPE_BYTES,
}
_SEQUENCES = (list, tuple, set, frozenset, collections.abc.Sequence, collections.abc.Set)
_MAPPINGS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)


@dataclasses.dataclass(frozen=True, slots=True)
class _Shape:
    type: int
    type_name: str = ""
    """``.package.Message`` for message types."""
    repeated: bool = False
    map_value: _Shape | None = None


class MessageBuilder:
    """Adds messages to one file, each pydantic model once, names unique within the package."""

    def __init__(self, file: descriptor_pb2.FileDescriptorProto) -> None:
        self.file = file
        self.imports: set[str] = set()
        self._by_model: dict[type[pydantic.BaseModel], str] = {}
        self._taken: set[str] = set()
        self._upload: str | None = None

    def well_known(self, full_name: str) -> str:
        self.imports.add(WKT_FILES[full_name])
        return f".{full_name}"

    def model(self, model: type[pydantic.BaseModel], name: str | None = None) -> str:
        """The message for ``model`` (built on first use): its ``.package.Name``."""
        if model in self._by_model:
            return self._by_model[model]
        message = self._new(name or model.__name__)
        full = f".{self.file.package}.{message.name}"
        self._by_model[model] = full  # before the fields: a model may refer to itself
        for field_name, info in model.model_fields.items():
            self._field(message, field_name, info.annotation)
        return full

    def _new(self, wanted: str) -> descriptor_pb2.DescriptorProto:
        name, n = wanted, 1
        while name in self._taken:
            n += 1
            name = f"{wanted}{n}"
        self._taken.add(name)
        return self.file.message_type.add(name=name)

    def _uploaded_file(self) -> str:
        if self._upload is None:
            message = self._new(UPLOADED_FILE)
            self._upload = f".{self.file.package}.{message.name}"
            for number, (name, kind) in enumerate(
                (("filename", F.TYPE_STRING), ("content_type", F.TYPE_STRING), ("data", F.TYPE_BYTES)), 1
            ):
                message.field.add(
                    name=name, number=number, type=kind, label=F.LABEL_OPTIONAL, json_name=_json(name)
                )
        return self._upload

    def _field(self, message: descriptor_pb2.DescriptorProto, name: str, annotation: Any) -> None:
        shape = self._shape(annotation)
        field = message.field.add(name=name, number=len(message.field) + 1, json_name=_json(name))
        field.label = F.LABEL_REPEATED if shape.repeated or shape.map_value else F.LABEL_OPTIONAL
        if shape.map_value is not None:
            entry = message.nested_type.add(name=f"{_camel(name)}Entry")
            entry.options.map_entry = True
            entry.field.add(name="key", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, json_name="key")
            value = entry.field.add(name="value", number=2, label=F.LABEL_OPTIONAL, json_name="value")
            value.type = shape.map_value.type  # type: ignore[assignment]
            if shape.map_value.type_name:
                value.type_name = shape.map_value.type_name
            field.type = F.TYPE_MESSAGE
            field.type_name = f".{self.file.package}.{message.name}.{entry.name}"
            return
        field.type = shape.type  # type: ignore[assignment]
        if shape.type_name:
            field.type_name = shape.type_name
        elif not shape.repeated:  # a singular scalar: optional, so absence is known
            field.proto3_optional = True
            field.oneof_index = len(message.oneof_decl)
            message.oneof_decl.add(name=f"_{name}")

    def _shape(self, annotation: Any) -> _Shape:
        annotation = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if annotation in _SCALARS:
            return _Shape(_SCALARS[annotation])
        if annotation is UploadFile:
            return _Shape(F.TYPE_MESSAGE, self._uploaded_file())
        if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
            return _Shape(F.TYPE_MESSAGE, self.model(annotation))
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            return self._literal([m.value for m in annotation])
        if origin is typing.Literal:
            return self._literal(list(args))
        if origin in _SEQUENCES and (len(args) == 1 or (len(args) == 2 and args[1] is Ellipsis)):
            element = self._shape(args[0])
            if not element.repeated and element.map_value is None:
                return dataclasses.replace(element, repeated=True)
            return _Shape(F.TYPE_MESSAGE, self.well_known("google.protobuf.ListValue"))
        if origin in _SEQUENCES or annotation in _SEQUENCES:
            return _Shape(F.TYPE_MESSAGE, self.well_known("google.protobuf.ListValue"))
        if origin in _MAPPINGS and len(args) == 2 and _unwrap(args[0]) is str:
            value = self._shape(args[1])
            if not value.repeated and value.map_value is None and value.type_name != ".google.protobuf.Value":
                return _Shape(F.TYPE_MESSAGE, map_value=value)
        if origin in _MAPPINGS or annotation in _MAPPINGS:
            return _Shape(F.TYPE_MESSAGE, self.well_known("google.protobuf.Struct"))
        # Any, unions, dates, ...: any JSON value, which pydantic then validates.
        return _Shape(F.TYPE_MESSAGE, self.well_known("google.protobuf.Value"))

    def _literal(self, values: list[Any]) -> _Shape:
        kinds = {type(v) for v in values}
        if len(kinds) == 1 and (kind := kinds.pop()) in _SCALARS:
            return _Shape(_SCALARS[kind])
        return _Shape(F.TYPE_MESSAGE, self.well_known("google.protobuf.Value"))


def _unwrap(annotation: Any) -> Any:
    """Strip ``Annotated[...]`` and ``Optional[...]`` (presence is proto3 ``optional`` anyway)."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(rest) == 1:
            return _unwrap(rest[0])
    return annotation


def _camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.split("_") if p)


def _json(name: str) -> str:
    """protoc's json_name: drop each ``_`` and capitalize the letter after it."""
    out, upper = [], False
    for ch in name:
        if ch == "_":
            upper = True
            continue
        out.append(ch.upper() if upper else ch)
        upper = False
    return "".join(out)
