"""cordwire: serve protobuf-defined AI chutes over gRPC and HTTP/JSON, backed by NVIDIA Triton."""

from ._codes import Code
from ._errors import CordError

__all__ = ["Code", "CordError"]
