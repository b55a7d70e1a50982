"""``python -m bench.servers``: the HTTP server under cordwire's gateway, chosen side by side.

One ASGI app (``app`` below: the gateway over the model-free edge chute, started by the ASGI
lifespan) served by each candidate in turn, on loopback:

| server | how |
|---|---|
| ``cordwire-edge`` | uvicorn + httptools with cordwire's ``EdgeProtocol`` (what ``cordwire serve`` runs) |
| ``uvicorn`` | uvicorn + httptools as shipped |
| ``granian`` | granian (Rust), ASGI interface, one worker, one runtime thread |
| ``hypercorn`` | hypercorn (h11), uvloop |

For each: wrk (c=8, POST /whoami) over interleaved rounds, best kept; then what it does with a
100 KB header line and with a request whose headers never end (answer, and when it closes).
granian and hypercorn are not cordwire dependencies: give them on PYTHONPATH (``pip install
--target DIR granian hypercorn``); a missing one is skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from typing import Any

from .load.wrk import run_wrk
from .paths import REPO
from .procs import free_port, http_ok

_LIMITS_NOTE = "limits as `cordwire serve` sets them by default"


class _App:
    """The gateway over the edge chute; the lifespan starts and stops its in-process server."""

    def __init__(self) -> None:
        self._gateway: Any = None
        self._server: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await self._start()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if self._server is not None:
                        await self._server.stop(0)
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await self._gateway(scope, receive, send)

    async def _start(self) -> None:
        sys.path.insert(0, str(REPO))
        from cordwire.gateway import create_app
        from cordwire.server import ChuteServer
        from tests.reliability.edge_chute import chute

        self._server = ChuteServer(chute, grpc_port=0)
        await self._server.start()
        self._gateway = create_app(self._server)


app = _App()


def _serve_edge(port: int) -> None:
    import uvicorn
    import uvloop

    from cordwire._edge_http import edge_protocol
    from cordwire._edge_limits import EdgeLimits

    config = uvicorn.Config(
        app, port=port, http=edge_protocol(EdgeLimits()), ws="none", log_level="warning", access_log=False
    )
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(uvicorn.Server(config).serve())


def _argv(name: str, port: int) -> list[str] | None:
    py = sys.executable
    if name == "cordwire-edge":
        return [py, "-m", "bench.servers", "--run-edge", str(port)]
    if name == "uvicorn":
        return [
            py,
            "-m",
            "uvicorn",
            "bench.servers:app",
            "--http",
            "httptools",
            "--loop",
            "uvloop",
            *("--port", str(port), "--log-level", "warning", "--no-access-log", "--ws", "none"),
        ]
    if name == "granian":
        if not _importable("granian"):
            return None
        return [
            py,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--loop",
            "uvloop",
            "--workers",
            "1",
            *("--runtime-threads", "1", "--port", str(port), "--log-level", "warning", "--no-ws"),
            "bench.servers:app",
        ]
    if name == "hypercorn":
        if not _importable("hypercorn"):
            return None
        return [
            py,
            "-m",
            "hypercorn",
            "-k",
            "uvloop",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "bench.servers:app",
        ]
    raise ValueError(name)


def _importable(module: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


def _probe_big_header(port: int) -> str:
    """The answer to one 100 KB header line (status, or how the connection ended)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")
            data = sock.recv(200)
        except OSError as exc:
            return f"reset ({type(exc).__name__})"
    if not data:
        return "closed, no answer"
    return data.split(b"\r\n", 1)[0].decode("latin-1")


def _probe_header_timeout(port: int, wait: float = 20.0) -> str:
    """What happens to a request whose headers never end: when the server answers or closes."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        try:
            data = sock.recv(200)
        except TimeoutError:
            return f"still open after {wait:.0f} s"
        except OSError as exc:
            return f"reset after {time.monotonic() - started:.1f} s ({type(exc).__name__})"
    answer = data.split(b"\r\n", 1)[0].decode("latin-1") if data else "closed"
    return f"{answer} after {time.monotonic() - started:.1f} s"


def main() -> int:
    if sys.argv[1:2] == ["--run-edge"]:
        _serve_edge(int(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.servers", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--servers", default="cordwire-edge,uvicorn,granian,hypercorn")
    args = parser.parse_args()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    body = json.dumps({"text": "hi"})
    started: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    results: dict[str, dict[str, Any]] = {}
    try:
        for name in args.servers.split(","):
            port = free_port()
            argv = _argv(name, port)
            if argv is None:
                print(f"{name}: not installed, skipped", flush=True)
                continue
            process = subprocess.Popen(
                argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            deadline = time.monotonic() + 60
            while not http_ok(f"http://127.0.0.1:{port}/whoami", body.encode()):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start")
                time.sleep(0.2)
            started[name] = (process, port)
            results[name] = {"rps": []}
        for round_ in range(args.rounds):
            for name, (_, port) in started.items():
                url = f"http://127.0.0.1:{port}/whoami"
                run_wrk(name, url, body, 8, 1)
                cell = run_wrk(name, url, body, 8, args.seconds)
                results[name]["rps"].append(round(cell.rps))
                print(
                    f"  round {round_ + 1} {name:14} {cell.rps:7.0f} req/s  errors {cell.errors}", flush=True
                )
        for name, (_, port) in started.items():
            results[name]["big_header"] = _probe_big_header(port)
            results[name]["endless_headers"] = _probe_header_timeout(port)
    finally:
        for process, _ in started.values():
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(10)
    print(f"\n{'server':14} | best req/s c=8 | 100 KB header        | headers never end")
    for name, row in results.items():
        print(f"{name:14} | {max(row['rps']):14} | {row['big_header'][:20]:20} | {row['endless_headers']}")
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
