"""The ``tritonserver`` binary from the nvidia-pytriton wheel, run as a child process on loopback.

Not how chutes run Triton (``--triton embedded`` is in-process, ``_inprocess.py``): this is a
Triton of its own, reached over gRPC like an external one. The tests of external fleets start
two of these, and the bench measures Triton's own HTTP and gRPC endpoints on one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from typing import IO

from ._backends import backend_directory
from ._libraries import wheel
from ._triton_log import level_of

__all__ = ["TritonProcess", "free_port"]

logger = logging.getLogger("cordwire.triton")


_WHEEL = wheel()
_SERVER = _WHEEL.server
_LIBS = _WHEEL.libs
# Triton's own handler prints "Signal (N) received." on SIGSEGV/SIGABRT/…; glibc and gRPC print their
# reason just before. Triton 2.51's gRPC frontend has request-cancellation races that end this way
# (triton-inference-server/server#7368, #8034); its crash handler then sometimes deadlocks in a
# corrupted heap, leaving a process that answers health checks but never finishes a stream.
# SIGTERM/SIGINT print the same line but start a graceful exit (e.g. a whole cgroup being stopped).
_FATAL = re.compile(
    r"^Signal \((?:4|6|7|8|11)\) received|double free or corruption|ASSERTION FAILED"
    r"|^malloc\(\)|^free\(\)|^corrupted "
)


def free_port() -> int:
    """A loopback port free right now (another process could take it before Triton binds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Sets the parent-death signal, then becomes tritonserver (exec keeps it): if cordwire dies, even
# by SIGKILL, the kernel kills Triton, whose Python-backend stubs then exit on their own. Not done in
# a preexec_fn: that forces fork() over vfork(), and gRPC's fork handlers in a process with live
# channels aborted the child (SIGABRT, "epoll_wait error: Bad file descriptor") on a restart.
# The signal fires when the *thread* that spawned exits: launch from the event loop's thread, never
# from asyncio.to_thread.
_EXEC_WITH_PDEATHSIG = """
import ctypes, os, sys
ctypes.CDLL(None, use_errno=True).prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
if os.getppid() != int(sys.argv[1]):
    os._exit(1)  # the parent died before the signal was armed
os.execv(sys.argv[2], sys.argv[2:])
"""


class TritonProcess:
    """One ``tritonserver`` process serving ``models`` from ``model_repository``.

    ``launch`` starts it on fresh loopback ports; ``terminate`` stops it (SIGTERM, then SIGKILL of its
    process group past a deadline). Relaunching after a crash is the caller's job.
    """

    def __init__(
        self,
        model_repository: pathlib.Path,
        models: Sequence[str],
        *,
        log_dir: pathlib.Path | None = None,
        exit_timeout: int = 3,
        grpc_port: int | None = None,
    ) -> None:
        self.model_repository = model_repository.resolve()
        self.models = tuple(models)
        self.exit_timeout = exit_timeout
        self._grpc_port = grpc_port
        """Fixed gRPC port for every launch; by default each launch picks a free one."""
        self._workdir = pathlib.Path(tempfile.mkdtemp(prefix="cordwire-triton-"))
        self._backends = backend_directory(_WHEEL, self._workdir)
        self.log_path = (log_dir or self._workdir) / "triton.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._pump: threading.Thread | None = None
        self._fatal = threading.Event()
        self.grpc_address = ""
        self.http_address = ""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def returncode(self) -> int | None:
        return self._process.returncode if self._process is not None else None

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def crashed(self) -> bool:
        """The current process logged a fatal error (it is dying, or hung while dying)."""
        return self._fatal.is_set()

    def _command(self, grpc_port: int, http_port: int) -> list[str]:
        return [
            str(_SERVER / "bin" / "tritonserver"),
            f"--model-repository={self.model_repository}",
            f"--backend-directory={self._backends}",
            "--grpc-address=127.0.0.1",
            f"--grpc-port={grpc_port}",
            "--http-address=127.0.0.1",
            f"--http-port={http_port}",
            "--allow-metrics=false",
            "--model-control-mode=explicit",
            *(f"--load-model={name}" for name in self.models),
            f"--exit-timeout-secs={self.exit_timeout}",
        ]

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [str(_LIBS), env.get("LD_LIBRARY_PATH")]))
        # The stub runs models with the first python on PATH: ours, so the venv's packages import.
        env["PATH"] = os.pathsep.join(filter(None, [os.path.dirname(sys.executable), env.get("PATH")]))
        return env

    def launch(self) -> None:
        """Start the process on fresh ports (a running one is terminated first)."""
        self.terminate()
        grpc_port, http_port = self._grpc_port or free_port(), free_port()
        self.grpc_address = f"127.0.0.1:{grpc_port}"
        self.http_address = f"127.0.0.1:{http_port}"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = self._command(grpc_port, http_port)
        if sys.platform.startswith("linux"):
            command = [sys.executable, "-I", "-S", "-c", _EXEC_WITH_PDEATHSIG, str(os.getpid()), *command]
        self._process = subprocess.Popen(
            command,
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stubs included, killed as one
        )
        logger.info(
            "started tritonserver pid %d, gRPC %s, log %s",
            self._process.pid,
            self.grpc_address,
            self.log_path,
        )
        assert self._process.stdout is not None
        self._fatal = threading.Event()
        self._pump = threading.Thread(
            target=_pump_log,
            args=(self._process.stdout, self.log_path, self._fatal),
            name="triton-log",
            daemon=True,
        )
        self._pump.start()

    def terminate(self, grace: float | None = None) -> None:
        """Stop the process: SIGTERM, then SIGKILL to its group after ``grace`` seconds. Blocks."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(self.exit_timeout + 2 if grace is None else grace)
        # Even after Triton exits, its stubs may linger in the group: kill whatever is left.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        if self._pump is not None:
            self._pump.join(timeout=2)
            self._pump = None

    def kill(self) -> None:
        """SIGKILL the process group at once (tests, hard stop)."""
        self.terminate(grace=0)

    def close(self) -> None:
        """Terminate and remove the private working directory."""
        self.terminate()
        shutil.rmtree(self._workdir, ignore_errors=True)


def _pump_log(stream: IO[bytes], path: pathlib.Path, fatal: threading.Event) -> None:
    # Triton's log goes to a file; errors (a model that fails to load, a bad config) also reach the
    # cordwire.triton logger, where an operator looks first.
    with stream, open(path, "ab") as log:
        for raw in iter(stream.readline, b""):
            log.write(raw)
            log.flush()
            line = raw.decode(errors="replace").rstrip()
            if _FATAL.search(line):
                fatal.set()
                logger.error("tritonserver: %s", line)
            elif (level := level_of(line)) > logging.DEBUG:
                logger.log(level, "tritonserver: %s", line)
