"""`cordwire serve` as a user runs it: a real process, real sockets, real signals."""

from __future__ import annotations

import os
import pathlib
import re
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

HOOKED = f"{pathlib.Path(__file__).with_name('hooked_chute.py')}:chute"


class Served:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        for line in process.stdout or ():
            self.lines.append(line)
            if line.strip() == "ready":
                break
        text = "".join(self.lines)
        http = re.search(r"HTTP\s+(http://\S+)", text)
        assert http, f"no HTTP address in start-up output: {text!r}"
        self.http_url = http.group(1)


@pytest.fixture
def served(tmp_path: pathlib.Path) -> Iterator[tuple[Served, pathlib.Path]]:
    marker = tmp_path / "marker"
    process = subprocess.Popen(
        [sys.executable, "-m", "cordwire", "serve", HOOKED, "--http-port", "0", "--grpc-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "CORDWIRE_TEST_MARKER": str(marker)},
    )
    try:
        yield Served(process), marker
    finally:
        process.kill()
        process.wait()
        if process.stdout:
            process.stdout.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_the_server_and_runs_shutdown_hooks(
    served: tuple[Served, pathlib.Path], sig: signal.Signals
) -> None:
    server, marker = served
    assert httpx.get(f"{server.http_url}/healthz").status_code == 200
    server.process.send_signal(sig)
    assert server.process.wait(timeout=20) == 0
    assert marker.read_text() == "shutdown hook ran"


def test_startup_output_lists_the_rpcs(served: tuple[Served, pathlib.Path]) -> None:
    text = "".join(served[0].lines)
    assert "server_streaming  /bookstore.v1.Bookstore/ListBooks" in text
    assert re.search(r"gRPC\s+127\.0\.0\.1:\d+", text)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("nocolon", "must look like module:attr"),
        ("no_such_module_xyz:chute", "No module named"),
        ("json:dumps", "not a cordwire.Chute"),
        ("/nowhere/file.py:chute", "no file"),
    ],
)
def test_bad_target_is_a_clear_error(target: str, message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cordwire", "serve", target], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert message in result.stderr


def test_help_lists_the_contracts_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cordwire", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for option in ("--host", "--http-port", "--grpc-port", "--triton", "--keys-db", "--no-auth"):
        assert option in result.stdout
