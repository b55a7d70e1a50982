"""Triton for chutes: the embedded Triton (in this process, through Triton's C API), external
Triton pools over gRPC, and the client cord handlers use as ``self.triton``."""

from ._client import TritonClient
from ._inprocess import InProcessTriton
from ._process import TritonProcess
from ._service import TritonService

__all__ = ["InProcessTriton", "TritonClient", "TritonProcess", "TritonService"]
