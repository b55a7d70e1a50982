"""Well-known type names and map detection shared by the compiled JSON encoder and decoder."""

from __future__ import annotations

from google.protobuf.descriptor import FieldDescriptor

__all__ = ["STRING_FORM", "WRAPPERS", "is_map"]

WRAPPERS = frozenset(
    f"google.protobuf.{n}Value"
    for n in ("Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes")
)
STRING_FORM = frozenset(
    {"google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask"}
)
"""Their JSON is a string: json_format calls ToJsonString / FromJsonString, and so does the codec."""


def is_map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry
