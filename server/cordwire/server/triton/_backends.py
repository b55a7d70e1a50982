"""The backend directory Triton loads the Python backend from: a copy with the stub beside it."""

from __future__ import annotations

import os
import pathlib
import shutil
import sys

from ._libraries import Wheel

__all__ = ["backend_directory"]


def backend_directory(source: Wheel, workdir: pathlib.Path) -> pathlib.Path:
    """``workdir/backends`` holding ``python/`` with the stub for the running Python.

    The Python backend loads models only with ``triton_python_backend_stub`` beside
    ``libtriton_python.so`` ("triton_python_backend_stub is not found" otherwise), and the wheel
    keeps one stub per Python version elsewhere. The stub is linked, not copied: it is a program
    whose RUNPATH (``$ORIGIN/../..``) finds the wheel's libcudart only from its own place, and
    ``$ORIGIN`` follows the link; a copy needs ``LD_LIBRARY_PATH`` in every stub's environment.
    """
    backends = workdir / "backends"
    shutil.copytree(source.python_backend, backends / "python")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    stub = source.server / "python_backend_stubs" / version / "triton_python_backend_stub"
    if not stub.is_file():
        raise RuntimeError(f"nvidia-pytriton has no Python backend stub for Python {version}")
    os.symlink(stub, backends / "python" / "triton_python_backend_stub")
    return backends
