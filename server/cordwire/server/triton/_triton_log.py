"""Triton's log, read from a FIFO into a file and the ``cordwire.triton`` logger.

Triton's logger is process-global and writes each line with ``std::endl`` to the file named by
``TRITONSERVER_ServerOptionsSetLogFile`` (effective at once). Named a FIFO, every line reaches a
thread here: appended to ``triton.log`` and, for errors and warnings, logged where an operator
looks first. Naming a regular file afterwards closes the FIFO's write end: the thread sees EOF.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pathlib
import re
import threading

__all__ = ["LogPump", "level_of"]

logger = logging.getLogger("cordwire.triton")

# GPU probing on a CPU-only host: expected, and not worth an operator's attention.
_HARMLESS = re.compile(r"CudaDriverHelper|NVML|CUDA|cuda|GPU|DCGM|pinned memory")


def level_of(line: str) -> int:
    """The logging level a Triton log line deserves (its first letter is its severity)."""
    if _HARMLESS.search(line):
        return logging.DEBUG
    if line.startswith("E") or "failed to load" in line or "error:" in line.lower():
        return logging.ERROR
    if line.startswith("W"):
        return logging.WARNING
    return logging.DEBUG


class LogPump:
    """A FIFO at ``fifo`` whose lines go to ``path`` and the logger; ``start`` before Triton
    opens it (opening a FIFO for writing waits for its reader)."""

    def __init__(self, fifo: pathlib.Path, path: pathlib.Path) -> None:
        self.fifo = fifo
        self.path = path
        os.mkfifo(fifo)
        self._thread = threading.Thread(target=self._run, name="triton-log", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self, timeout: float) -> None:
        """Wait for the reader to finish, once Triton's log points elsewhere. A reader still waiting
        for Triton to open the FIFO (start-up failed before) is released by a writer of our own."""
        with contextlib.suppress(OSError):  # ENXIO: no reader waits any more
            os.close(os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK))
        self._thread.join(timeout)

    def _run(self) -> None:
        fd = os.open(self.fifo, os.O_RDONLY)  # returns once Triton opened the write end
        with os.fdopen(fd, "rb") as stream, open(self.path, "ab") as log:
            for raw in stream:
                log.write(raw)
                log.flush()
                line = raw.decode(errors="replace").rstrip()
                level = level_of(line)
                if logger.isEnabledFor(level):
                    logger.log(level, "triton: %s", line)
