"""JSON <-> protobuf compiled once per message type: json_format's proto3 mapping without its walk.

json_format looks every field's descriptor up and branches on its type for every value of every
request (about two thirds of the gateway's own time in a profile). Here each message type gets,
at first use, a table of small closures over its field descriptors; a request only runs them.

The mapping is json_format's, exactly (tests/gateway/test_codec.py compares both over every
message of the conformance and OpenAI protos, and hypothesis round trips):

- :func:`encoder` equals ``MessageToDict(m, preserving_proto_field_name=True,
  always_print_fields_with_no_presence=True)``, key order included, so the JSON bytes match.
- :func:`decode` equals ``ParseDict(js, m)`` for the JSON it takes on: values already in the form
  :mod:`._strict` leaves them (canonical numbers). Anything unusual (an unknown name, a
  second oneof member, a type mismatch, a well-known type other than wrappers, Value scalars,
  Timestamp, Duration and FieldMask) goes to json_format itself, from the message as it was
  before the call, so results and errors are its own.
"""

from __future__ import annotations

from ._decode import decode
from ._encode import encode, encoder

__all__ = ["decode", "encode", "encoder"]
