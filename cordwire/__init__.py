"""cordwire: serve protobuf-defined AI chutes over gRPC and HTTP/JSON, backed by NVIDIA Triton."""

from ._chute import Chute
from ._codes import Code
from ._cords import ChuteDefinitionError
from ._errors import CordError
from ._protos import load_proto_files

__all__ = ["Chute", "ChuteDefinitionError", "Code", "CordError", "load_proto_files"]
