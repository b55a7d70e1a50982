"""A real tritonserver serving cordwire/demo/models for the demo-model tests.

Private launcher following shared/TRITON.md (stub beside a copy of the Python backend, the wheel's
libs on LD_LIBRARY_PATH, the venv first on PATH, loopback only, explicit model control), kept
self-contained so these tests do not depend on cordwire.server.triton's lifecycle code.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2] / "cordwire" / "demo" / "models"
MODELS = ("tiny_lm", "embed", "image")
READY_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Server:
    grpc_url: str
    http_port: int
    startup_s: float  # process start until every model reports ready
    log: Path  # the server's combined stdout/stderr (models log through pb_utils.Logger)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wheel() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("pytriton")
    if spec is None or spec.origin is None:
        pytest.skip("nvidia-pytriton is not installed")
    return Path(spec.origin).parent


def _ready(http_port: int) -> bool:
    import urllib.request

    try:
        for m in MODELS:
            url = f"http://127.0.0.1:{http_port}/v2/models/{m}/ready"
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status != 200:
                    return False
        return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def triton_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    wheel = _wheel()
    server_dir = wheel / "tritonserver"
    work = tmp_path_factory.mktemp("triton")
    backends = work / "backends"
    shutil.copytree(server_dir / "backends" / "python", backends / "python")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    shutil.copy2(
        server_dir / "python_backend_stubs" / version / "triton_python_backend_stub",
        backends / "python" / "triton_python_backend_stub",
    )
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        p for p in (str(wheel.parent / "nvidia_pytriton.libs"), env.get("LD_LIBRARY_PATH", "")) if p
    )
    # The stub runs models with the first python on PATH: it must be this venv's.
    env["PATH"] = os.pathsep.join((str(Path(sys.executable).parent), env.get("PATH", "")))
    env["HF_HUB_OFFLINE"] = "1"
    grpc_port, http_port = _free_port(), _free_port()
    cmd = [
        str(server_dir / "bin" / "tritonserver"),
        f"--model-repository={REPO}",
        f"--backend-directory={backends}",
        "--model-control-mode=explicit",
        *(f"--load-model={m}" for m in MODELS),
        "--grpc-address=127.0.0.1",
        f"--grpc-port={grpc_port}",
        "--http-address=127.0.0.1",
        f"--http-port={http_port}",
        "--allow-metrics=false",
        "--exit-timeout-secs=5",
        "--log-verbose=0",
    ]
    log = (work / "tritonserver.log").open("wb")
    start = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while not _ready(http_port):
            if proc.poll() is not None or time.monotonic() - start > READY_TIMEOUT_S:
                log.flush()
                tail = (work / "tritonserver.log").read_text(errors="replace")[-4000:]
                pytest.fail(f"tritonserver did not become ready (rc={proc.poll()}):\n{tail}")
            time.sleep(0.1)
        yield Server(f"127.0.0.1:{grpc_port}", http_port, time.monotonic() - start, work / "tritonserver.log")
    finally:
        # SIGTERM, then SIGKILL of the whole group (server + Python-backend stubs) past a deadline.
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        log.close()


@pytest.fixture
def triton_log(triton_server: Server) -> Path:
    return triton_server.log
