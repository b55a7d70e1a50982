"""Descriptors from either generated `_pb2` modules or `.proto` files compiled at start-up."""

from __future__ import annotations

import functools
import pathlib
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any, cast

import grpc_tools
from google.api import annotations_pb2, http_pb2, httpbody_pb2
from google.protobuf import (
    any_pb2,
    descriptor_pb2,
    descriptor_pool,
    duration_pb2,
    empty_pb2,
    field_mask_pb2,
    message_factory,
    struct_pb2,
    timestamp_pb2,
    wrappers_pb2,
)
from google.protobuf.descriptor import Descriptor, FileDescriptor, MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from grpc_tools import protoc

from cordwire._errors import DefinitionError

# Registers cordwire's options in the default pool, so services compiled later can read them.
from .v1 import options_pb2

# Files that generated modules register in the default pool: imported before any .proto is compiled
# so that compiled files reuse them (adding them first would make the later _pb2 import fail).
# The generated stubs type extensions loosely; Any keeps the Extensions[...] lookups checkable.
_CHUTE_EXTENSION: Any = options_pb2.chute
_CORD_EXTENSION: Any = options_pb2.cord

_PRELOADED = (
    annotations_pb2,
    http_pb2,
    httpbody_pb2,
    any_pb2,
    duration_pb2,
    empty_pb2,
    field_mask_pb2,
    struct_pb2,
    timestamp_pb2,
    wrappers_pb2,
)

__all__ = ["chute_options", "cord_options", "load_proto_files", "message_class", "resolve_service"]

# cordwire's own protos (options, vendored google/api): protos/ at the repository's top, which a
# built wheel carries as cordwire/protos (pyproject's package-dir).
_PROTO_ROOT = next(
    root
    for root in (
        pathlib.Path(__file__).resolve().parent / "protos",
        pathlib.Path(__file__).resolve().parents[2] / "protos",
    )
    if (root / "cordwire" / "v1" / "options.proto").is_file()
)
_WELL_KNOWN = pathlib.Path(grpc_tools.__file__).parent / "_proto"


class ProtoCompileError(DefinitionError):
    """A `.proto` file did not compile; the message is protoc's."""


def load_proto_files(
    files: Sequence[str | pathlib.Path], include_dirs: Iterable[str | pathlib.Path] = ()
) -> list[FileDescriptor]:
    """Compile `.proto` files with grpcio-tools and add them to the default descriptor pool.

    Files already in the pool (the well-known types, google.api, cordwire's options) are reused,
    so messages built from them stay compatible with the generated modules.
    """
    paths = [pathlib.Path(f).resolve() for f in files]
    includes = [pathlib.Path(d).resolve() for d in include_dirs] or sorted({p.parent for p in paths})
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "set.pb"
        args = [
            "protoc",
            *(f"-I{d}" for d in includes),
            f"-I{_PROTO_ROOT}",
            f"-I{_WELL_KNOWN}",
            "--include_imports",
            f"--descriptor_set_out={out}",
            *map(str, paths),
        ]
        if protoc.main(args) != 0:
            raise ProtoCompileError(f"protoc could not compile {', '.join(map(str, paths))} (see stderr)")
        fds = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())
    pool = _default_pool()
    loaded: list[FileDescriptor] = []
    for fdp in fds.file:  # dependency order: imports come first
        try:
            loaded.append(pool.FindFileByName(fdp.name))
        except KeyError:
            pool.Add(fdp)
            loaded.append(pool.FindFileByName(fdp.name))
    wanted = {_relative_name(p, includes) for p in paths}
    return [f for f in loaded if f.name in wanted]


def _default_pool() -> Any:
    # The stubs leave DescriptorPool's methods untyped.
    return descriptor_pool.Default()  # type: ignore[no-untyped-call]


def _relative_name(path: pathlib.Path, includes: Sequence[pathlib.Path]) -> str:
    for root in includes:
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return path.name


def resolve_service(service: ServiceDescriptor | str) -> ServiceDescriptor:
    """A service descriptor, given itself or its full name in the default pool."""
    if isinstance(service, ServiceDescriptor):
        return service
    try:
        return cast(ServiceDescriptor, _default_pool().FindServiceByName(service))
    except KeyError:
        raise DefinitionError(
            f"service {service!r} is not in the descriptor pool: import its _pb2 module "
            "or load its .proto file first"
        ) from None


@functools.cache
def message_class(descriptor: Descriptor) -> type[Message]:
    """The concrete message class for a descriptor (cached: the lookup is not free)."""
    return message_factory.GetMessageClass(descriptor)


def chute_options(service: ServiceDescriptor) -> options_pb2.ChuteOptions:
    """The service's `(cordwire.v1.chute)` option, or an empty one."""
    opts = service.GetOptions()
    if opts.HasExtension(_CHUTE_EXTENSION):
        return cast(options_pb2.ChuteOptions, opts.Extensions[_CHUTE_EXTENSION])
    return options_pb2.ChuteOptions()


def cord_options(method: MethodDescriptor) -> options_pb2.CordOptions:
    """The method's `(cordwire.v1.cord)` option, or an empty one."""
    opts = method.GetOptions()
    if opts.HasExtension(_CORD_EXTENSION):
        return cast(options_pb2.CordOptions, opts.Extensions[_CORD_EXTENSION])
    return options_pb2.CordOptions()
