"""The servers under test, all on loopback, on the same models (tests/triton_models).

cordwire serve (HTTP in-process + gRPC, Triton in-process: --triton embedded) ◄── grpc-gateway v2 (Go)
tritonserver (identity, counter) ◄── FastAPI + tritonclient proxy
      └── Triton's own HTTP and gRPC endpoints, measured directly
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import subprocess
import sys
import urllib.request
from types import TracebackType

from cordwire.server.triton import TritonProcess

from ..gobuild import Tools
from ..paths import MODELS, REPO
from ..procs import Procs, free_port, http_ok, wait_until
from . import payloads

__all__ = ["Peers"]

_MODELS = ("identity", "counter")


def _ready(triton: TritonProcess) -> bool:
    return all(http_ok(f"http://{triton.http_address}/v2/models/{m}/ready") for m in _MODELS)


@dataclasses.dataclass(kw_only=True, slots=True)
class Addresses:
    triton_http: str = ""
    triton_grpc: str = ""
    cordwire_http: str = ""
    cordwire_grpc: str = ""
    fastapi_http: str = ""
    grpcgw_http: str = ""


class Peers:
    """Starts every peer on enter and stops them all (process groups, Triton last) on exit."""

    def __init__(self, tools: Tools, log_dir: pathlib.Path) -> None:
        self.tools = tools
        self.procs = Procs(log_dir)
        self.triton = TritonProcess(MODELS, _MODELS, log_dir=log_dir)
        self.addresses = Addresses()
        self.cordwire: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Peers:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.procs.stop_all()
        finally:
            self.triton.close()

    def check_alive(self) -> None:
        """Raise, naming the peer and quoting its log, if any server under test has died: a dead
        peer would otherwise show up as a confusing load-generator error."""
        if not self.triton.running():
            tail = "\n".join(self.triton.log_path.read_text(errors="replace").splitlines()[-15:])
            raise RuntimeError(f"tritonserver died (exit {self.triton.returncode}); its log ends:\n{tail}")
        self.procs.check_alive()

    def _start(self) -> None:
        a = self.addresses
        self.triton.launch()
        try:
            wait_until(lambda: _ready(self.triton), 120, "tritonserver", self.triton.running)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{exc}; see {self.triton.log_path}") from None
        a.triton_http, a.triton_grpc = self.triton.http_address, self.triton.grpc_address

        http_port, grpc_port = free_port(), free_port()
        a.cordwire_http, a.cordwire_grpc = f"127.0.0.1:{http_port}", f"127.0.0.1:{grpc_port}"
        # Embedded Triton, as `cordwire serve` runs by default: in-process, so cordwire's RSS includes
        # Triton's (its models' stub processes are children of their own).
        self.cordwire = self._start_one(
            "cordwire",
            [
                *(sys.executable, "-m", "cordwire", "serve", "bench.chute:chute", "--no-auth"),
                *("--triton", "embedded", "--http-port", str(http_port), "--grpc-port", str(grpc_port)),
                # Every bench client is 127.0.0.1, and the streaming case opens 1,000 at once.
                *("--max-connections-per-ip", "4096"),
            ],
            f"http://{a.cordwire_http}/v1/echo",
        )

        port = free_port()
        a.fastapi_http = f"127.0.0.1:{port}"
        self._start_one(
            "fastapi",
            [
                *(sys.executable, "-m", "uvicorn", "bench.peers.fastapi_proxy:app", "--host", "127.0.0.1"),
                # uvicorn's defaults, as a user gets them: uvloop, and an access line per request
                # (cordwire serve writes one too).
                *("--port", str(port)),
            ],
            f"http://{a.fastapi_http}/v1/echo",
            env={"BENCH_TRITON_GRPC": a.triton_grpc},
        )

        port = free_port()
        a.grpcgw_http = f"127.0.0.1:{port}"
        self._start_one(
            "grpcgw",
            [str(self.tools.grpcgw), "-listen", a.grpcgw_http, "-upstream", a.cordwire_grpc],
            f"http://{a.grpcgw_http}/v1/echo",
        )

    def _start_one(
        self, name: str, argv: list[str], echo_url: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        process = self.procs.start(name, argv, env=env, cwd=REPO)
        body = json.dumps(payloads.ECHO).encode()
        try:
            wait_until(lambda: http_ok(echo_url, body), 120, name, lambda: process.poll() is None)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(f"{exc}; its log ends:\n{self.procs.log_tail(name)}") from None
        check_echo(echo_url)
        return process


def check_echo(url: str) -> None:
    """The peer really echoes (a 200 with the wrong body would make its numbers meaningless)."""
    request = urllib.request.Request(
        url, data=json.dumps(payloads.ECHO).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.loads(response.read())
    if answer.get("floats") != payloads.ECHO["floats"] or answer.get("texts") != payloads.ECHO["texts"]:
        raise RuntimeError(f"{url} answered {answer!r}, not the echo of {payloads.ECHO!r}")
