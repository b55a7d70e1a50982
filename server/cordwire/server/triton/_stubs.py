"""The Python backend's stub processes of one in-process Triton, watched through ``/proc``.

Each model instance runs in a ``triton_python_backend_stub`` process forked by this process. Triton
2.51 notices a dead stub only when a request reaches it, and a request already inside one that was
killed at the wrong moment (holding the shared-memory message queue's lock) can wait forever. So
the stubs are looked up once every model is READY and checked on each readiness poll.
"""

from __future__ import annotations

import os
import pathlib

__all__ = ["alive", "find_stubs"]


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def find_stubs(backends: pathlib.Path) -> dict[int, str]:
    """pid -> model instance name (``identity_0_0``) of the stubs started from ``backends``."""
    me = os.getpid()
    stub = str(backends / "python" / "triton_python_backend_stub")
    found: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            parent = int(_read(f"/proc/{entry}/stat").rsplit(b") ", 1)[1].split()[1])
            argv = _read(f"/proc/{entry}/cmdline").split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if parent == me and argv[0].decode(errors="replace") == stub:
            # argv: stub, model.py, shm region, sizes, parent pid, backend dir, …, instance name
            found[int(entry)] = argv[8].decode(errors="replace") if len(argv) > 8 else "?"
    return found


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (exited, not yet reaped by Triton)."""
    try:
        state = _read(f"/proc/{pid}/stat").rsplit(b") ", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")
