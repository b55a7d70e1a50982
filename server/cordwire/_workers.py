"""`--workers N`: N serving processes forked from one parent, sharing the ports by SO_REUSEPORT.

The parent reserves both ports (bound, never listening, so the kernel hands it no connection),
which also turns port 0 into one port every worker binds. It forks before any gRPC object or event
loop exists (grpc core does not survive a fork once started), forwards SIGTERM/SIGINT to the
workers and waits for them. A worker that dies on its own takes the others down with it: the
process supervisor (systemd, Kubernetes) restarts the whole, rather than a half-capacity server
carrying on unnoticed.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import sys
from collections.abc import Callable

from ._http_server import listen_socket

__all__ = ["reserve_port", "run_workers"]

_PR_SET_PDEATHSIG = 1


def reserve_port(host: str, port: int) -> socket.socket:
    """A bound, non-listening SO_REUSEPORT socket holding ``host:port`` (port 0: a free one)."""
    return listen_socket(host, port, reuse_port=True, listen=False)


def run_workers(count: int, work: Callable[[], int]) -> int:
    """Fork ``count`` processes running ``work()`` (its result is their exit status); the parent
    returns once all have ended: 0 if every worker ended cleanly after a signal."""
    children: dict[int, int] = {}
    for index in range(count):
        pid = os.fork()
        if pid == 0:
            _child(work)
        children[pid] = index
    stopping = False

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            _kill(pid, signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    status = 0
    try:
        while children:
            try:
                pid, raw = os.wait()
            except ChildProcessError:
                break
            children.pop(pid, None)
            code = os.waitstatus_to_exitcode(raw)
            if code != 0 and not stopping:
                print(f"cordwire: worker {pid} exited with {code}; stopping the others", file=sys.stderr)
                stopping = True
                for other in children:
                    _kill(other, signal.SIGTERM)
            if code != 0:
                status = status or (code if code > 0 else 1)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


def _child(work: Callable[[], int]) -> None:
    code = 1
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        _end_with_parent()
        code = work()
    except KeyboardInterrupt:
        code = 130
    except BaseException as exc:  # a worker must never return into the parent's code
        print(f"cordwire: worker {os.getpid()} failed: {exc!r}", file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _kill(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _end_with_parent() -> None:
    """Linux: SIGTERM this worker when the parent dies, even by SIGKILL (no orphaned workers
    holding the ports)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
