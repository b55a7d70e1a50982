"""cordwire: serve protobuf-defined AI chutes over gRPC and HTTP/JSON, backed by NVIDIA Triton."""

from . import _grpc_fork  # noqa: F401  (first: before anything starts gRPC)
from ._chute import Chute
from ._codes import Code
from ._context import CordContext
from ._cords import ChuteDefinitionError
from ._errors import CordError, DefinitionError
from ._protos import load_proto_files
from ._pycords import Depends, File, Header, HTTPException, Request, Response, UploadFile

__all__ = [
    "Chute",
    "ChuteDefinitionError",
    "Code",
    "CordContext",
    "CordError",
    "DefinitionError",
    "Depends",
    "File",
    "HTTPException",
    "Header",
    "Request",
    "Response",
    "UploadFile",
    "load_proto_files",
]
