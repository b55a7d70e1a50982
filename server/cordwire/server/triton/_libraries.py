"""Where the nvidia-pytriton wheel keeps Triton, and loading ``libtritonserver`` from it.

The wheel's libraries are auditwheel-renamed siblings in ``nvidia_pytriton.libs/``; not every one
of them carries a RUNPATH that finds the others, so a plain ``dlopen`` of ``libtritonserver``
fails (on ``libnghttp2-*.so``, a dependency of libcurl) unless ``LD_LIBRARY_PATH`` was set before
the process started. Loading each sibling first, dependencies before dependants, by full path
works instead: the dynamic linker matches every later ``DT_NEEDED`` by soname among the objects
already loaded. They are loaded ``RTLD_LOCAL``: global would put the wheel's own OpenSSL, libcurl
and krb5 into the process-wide symbol scope, where Python's ``_ssl`` could bind to them.
"""

from __future__ import annotations

import ctypes
import importlib.util
import pathlib
import struct
from dataclasses import dataclass

__all__ = ["Wheel", "load_core", "wheel"]

_SHT_DYNAMIC = 6
_DT_NEEDED = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Wheel:
    """The parts of the installed nvidia-pytriton wheel that cordwire uses."""

    server: pathlib.Path
    """``pytriton/tritonserver``: ``bin/``, ``backends/python``, ``python_backend_stubs/<X.Y>``."""
    libs: pathlib.Path
    """``nvidia_pytriton.libs``: ``libtritonserver-*.so`` and its renamed dependencies."""

    @property
    def core(self) -> pathlib.Path:
        return next(self.libs.glob("libtritonserver-*.so"))

    @property
    def python_backend(self) -> pathlib.Path:
        return self.server / "backends" / "python"


def wheel() -> Wheel:
    # Located, not imported: importing pytriton pulls in its whole Python API.
    spec = importlib.util.find_spec("pytriton")
    if spec is None or spec.origin is None:
        raise RuntimeError("the embedded Triton needs the nvidia-pytriton package")
    root = pathlib.Path(spec.origin).parent
    return Wheel(server=root / "tritonserver", libs=root.parent / "nvidia_pytriton.libs")


def needed(path: pathlib.Path) -> list[str]:
    """The ``DT_NEEDED`` sonames of a 64-bit little-endian ELF shared object."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise OSError(f"{path}: not a 64-bit little-endian ELF file")
    (section_offset,) = struct.unpack_from("<Q", data, 0x28)
    entry_size, count = struct.unpack_from("<HH", data, 0x3A)
    sections = [
        struct.unpack_from("<IIQQQQIIQQ", data, section_offset + i * entry_size) for i in range(count)
    ]
    names: list[str] = []
    for _, kind, _, _, offset, size, link, _, _, item_size in sections:
        if kind != _SHT_DYNAMIC:
            continue
        strings = sections[link][4]
        for position in range(offset, offset + size, item_size or 16):
            tag, value = struct.unpack_from("<qQ", data, position)
            if tag == 0:
                break
            if tag == _DT_NEEDED:
                start = strings + value
                names.append(data[start : data.index(b"\0", start)].decode())
    return names


def _load_tree(libs: pathlib.Path, name: str, loaded: dict[str, ctypes.CDLL]) -> None:
    if name in loaded:
        return
    path = libs / name
    for dependency in needed(path):
        if (libs / dependency).is_file():
            _load_tree(libs, dependency, loaded)
    loaded[name] = ctypes.CDLL(str(path))


def load_core(source: Wheel) -> pathlib.Path:
    """Load ``libtritonserver`` and the wheel libraries it and the Python backend need; returns
    its path (``dlopen`` of it now succeeds). The Python backend runs from a copy beside its stub
    (``_backends.py``), whose RUNPATH no longer reaches the wheel: its dependencies go in too."""
    loaded: dict[str, ctypes.CDLL] = {}
    _load_tree(source.libs, source.core.name, loaded)
    for dependency in needed(source.python_backend / "libtriton_python.so"):
        if (source.libs / dependency).is_file():
            _load_tree(source.libs, dependency, loaded)
    return source.core
