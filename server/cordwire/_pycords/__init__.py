"""Python-first cords: the seeds' ``@chute.cord(public_api_path=...)`` on synthesized protos."""

from ._build import Synthesized, build, python_cord
from ._convert import INT64_TYPES, int64_as_numbers
from ._http import HTTPException, Response
from ._render import export_proto, render_file
from ._request import Client, Depends, File, Header, Request, UploadFile
from ._signature import OutputKind, PyCord, analyse
from ._synth import build_file
from ._workers import LoopPool

__all__ = [
    "INT64_TYPES",
    "Client",
    "Depends",
    "File",
    "HTTPException",
    "Header",
    "LoopPool",
    "OutputKind",
    "PyCord",
    "Request",
    "Response",
    "Synthesized",
    "UploadFile",
    "analyse",
    "build",
    "build_file",
    "export_proto",
    "int64_as_numbers",
    "python_cord",
    "render_file",
]
