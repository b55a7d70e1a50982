"""Triton for chutes: the embedded ``tritonserver`` child process, external Triton pools, and the
client cord handlers use as ``self.triton``."""

from ._client import TritonClient
from ._embedded import EmbeddedTriton
from ._service import TritonService

__all__ = ["EmbeddedTriton", "TritonClient", "TritonService"]
