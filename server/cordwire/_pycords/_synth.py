"""A chute's Python-first cords as a protobuf service, added to the default descriptor pool.

One file per chute, ``chutes/<username>/<name>.proto`` in package ``chutes.<username>.<name>``,
so the gateway, the gRPC server, reflection and ``cordwire protos export`` all see a service as if
it had been written by hand.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import ServiceDescriptor

from cordwire._cords import ChuteDefinitionError
from cordwire._protos import _default_pool
from cordwire.v1 import options_pb2

from ._messages import MessageBuilder
from ._signature import OutputKind, PyCord, camel

__all__ = ["build_file", "synthesize"]

log = logging.getLogger("cordwire")
_HTTP: Any = annotations_pb2.http
_CHUTE: Any = options_pb2.chute
_CORD: Any = options_pb2.cord
_WITH_BODY = ("POST", "PUT", "PATCH")
_VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _ident(text: str) -> str:
    """A proto package component: lower-case letters, digits and ``_``, not starting with a digit."""
    ident = re.sub(r"[^0-9a-z_]+", "_", text.lower()).strip("_") or "x"
    return f"_{ident}" if ident[0].isdigit() else ident


def build_file(
    username: str,
    name: str,
    cords: Sequence[PyCord],
    twins: Mapping[str, str] | None = None,
    *,
    variant: int = 1,
) -> descriptor_pb2.FileDescriptorProto:
    """The ``FileDescriptorProto`` of the chute's service (deterministic: same cords, same bytes).

    ``twins`` maps a streaming cord's RPC to the unary cord whose path it shares: it takes the
    unary cord's input message and no HTTP rule of its own, and ``stream`` selects it.
    """
    twins = twins or {}
    inputs: dict[str, str] = {}
    package = f"chutes.{_ident(username)}.{_ident(name)}" + (f"_v{variant}" if variant > 1 else "")
    file = descriptor_pb2.FileDescriptorProto(
        name=f"{package.replace('.', '/')}.proto", package=package, syntax="proto3"
    )
    builder = MessageBuilder(file)
    service = file.service.add(name=camel(name) or "Chute")
    chute_options = service.options.Extensions[_CHUTE]
    chute_options.username, chute_options.name = username, name
    for cord in cords:
        if cord.http_method not in _VERBS:
            raise ChuteDefinitionError(
                f"cord {cord.rpc_name}: method {cord.http_method!r} is not one of {_VERBS}"
            )
        method = service.method.add(name=cord.rpc_name)
        if cord.stream:  # set only when true: an explicit false would differ from protoc's output
            method.server_streaming = True
        twin = twins.get(cord.rpc_name)
        method.input_type = inputs[twin] if twin in inputs else _input_type(builder, cord)
        inputs[cord.rpc_name] = method.input_type
        method.output_type = _output_type(builder, cord)
        options = method.options.Extensions[_CORD]
        if twin is not None:
            options.stream_selector = "stream"
        else:
            rule: http_pb2.HttpRule = method.options.Extensions[_HTTP]
            setattr(rule, cord.http_method.lower(), cord.public_api_path)
            if cord.http_method in _WITH_BODY:
                rule.body = "*"
        if cord.output_content_type:
            options.output_content_type = cord.output_content_type
        if cord.timeout is not None:
            options.timeout_ms = max(1, round(cord.timeout * 1000))
        if cord.max_body_bytes:
            options.max_body_bytes = cord.max_body_bytes
    file.dependency.extend(
        sorted(builder.imports | {"google/api/annotations.proto", "cordwire/v1/options.proto"})
    )
    return file


def _input_type(builder: MessageBuilder, cord: PyCord) -> str:
    if cord.input_model is None:
        return builder.well_known("google.api.HttpBody")
    # Direct parameters get a message named for the RPC; a model keeps its own name.
    name = f"{cord.rpc_name}Request" if cord.params or cord.model_param is None else None
    return builder.model(cord.input_model, name)


def _output_type(builder: MessageBuilder, cord: PyCord) -> str:
    if cord.output is OutputKind.MODEL:
        assert cord.output_model is not None
        return builder.model(cord.output_model)
    return builder.well_known(cord.output.value)


def synthesize(
    username: str, name: str, cords: Sequence[PyCord], twins: Mapping[str, str] | None = None
) -> ServiceDescriptor:
    """Build the chute's file and add it to the default pool; its service descriptor."""
    pool = _default_pool()
    for variant in range(1, 100):
        file = build_file(username, name, cords, twins, variant=variant)
        try:
            pool.Add(file)
            break
        except TypeError:
            # The same file name with other contents: another Chute object with this id (a module
            # imported twice, two versions in one test run). Each keeps its own package.
            continue
    else:  # pragma: no cover - a hundred differing chutes with one id
        raise ChuteDefinitionError(f"chute {username}-{name}: too many differing definitions")
    if variant > 1:
        log.warning(
            "chute %s-%s: another chute with this id is already defined differently; its service is %s",
            username,
            name,
            file.package,
        )
    service: ServiceDescriptor = pool.FindServiceByName(f"{file.package}.{file.service[0].name}")
    return service
