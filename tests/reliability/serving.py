"""Ways to serve a chute for the reliability runs: a `cordwire serve` process, or a gateway on a socket.

Shared by the tests and by ``scripts/soak.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import uvicorn

from cordwire.gateway import Gateway

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
RELAY_TARGET = f"{pathlib.Path(__file__).with_name('chute.py')}:chute"
START_TIMEOUT = 120.0  # Triton's start-up: ~5 s idle, much more on two busy shared cores


class ServeProcess:
    """``cordwire serve TARGET --no-auth`` on free ports; output is drained by a thread (a full pipe
    would stall the server's access log, and with it the server)."""

    def __init__(self, target: str = RELAY_TARGET, *extra: str) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cordwire",
                "serve",
                target,
                "--no-auth",
                "--http-port",
                "0",
                "--grpc-port",
                "0",
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
            env={**os.environ, "CORDWIRE_LOG_FORMAT": "text"},
        )
        self.lines: list[str] = []
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._drain, name="serve-output", daemon=True)
        self._reader.start()
        self.http_url = ""
        self.grpc_target = ""

    def _drain(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if line.strip() == "ready":
                self._ready.set()
        self._ready.set()  # the process ended: wake the waiter, which then sees no "ready"

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        if not self._ready.wait(timeout) or self.process.poll() is not None:
            raise RuntimeError(f"cordwire serve did not become ready:\n{self.output}")
        http = re.search(r"^HTTP\s+(http://\S+)", self.output, re.MULTILINE)
        grpc_target = re.search(r"^gRPC\s+(\S+)", self.output, re.MULTILINE)
        assert http and grpc_target, f"no addresses in start-up output:\n{self.output}"
        self.http_url, self.grpc_target = http.group(1), grpc_target.group(1)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then SIGKILL past ``timeout``; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode


@contextlib.contextmanager
def serve_process(target: str = RELAY_TARGET, *extra: str) -> Iterator[ServeProcess]:
    served = ServeProcess(target, *extra)
    try:
        served.wait_ready()
        yield served
    finally:
        served.stop()


@contextlib.asynccontextmanager
async def gateway_socket(app: Gateway, **config: object) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in this event loop; yields its base URL.

    The socket listens before uvicorn starts, so clients may connect at once (the kernel queues
    them) and nothing polls for start-up.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off", ws="none", **config))  # type: ignore[arg-type]
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        host, port = sock.getsockname()[:2]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def wait_healthy(base_url: str, timeout: float, *, interval: float = 0.2) -> float:
    """Poll ``/healthz`` until 200 (Triton's restart has no event this side of HTTP); seconds taken."""
    started = time.monotonic()
    deadline = started + timeout
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/healthz")).status_code == 200:
                    return time.monotonic() - started
            await asyncio.sleep(interval)
    raise TimeoutError(f"{base_url}/healthz not 200 within {timeout}s")
