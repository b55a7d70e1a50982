"""`cordwire serve` with the embedded Triton: in-process, no Triton port, clean stop, fatal exit.

Real processes and sockets: what runs and what listens is a property of the whole process tree.
"""

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

pytestmark = pytest.mark.triton

CHUTE = f"{pathlib.Path(__file__).resolve().parent / 'lifecycle_chute.py'}:chute"


class Served:
    """One `cordwire serve` process, its output so far and the ports it printed."""

    def __init__(self, tmp: pathlib.Path) -> None:
        # TMPDIR: Triton's work directory (and the log a failure keeps) lands in the test's own.
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cordwire",
                "serve",
                CHUTE,
                "--no-auth",
                "--http-port",
                "0",
                "--grpc-port",
                "0",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "TMPDIR": str(tmp)},
        )
        self.output = ""
        for line in self.process.stdout or ():
            self.output += line
            if line.strip() == "ready":
                break
        http, grpc_target = (
            re.search(r"HTTP\s+(http://\S+)", self.output),
            re.search(r"gRPC\s+(\S+)", self.output),
        )
        assert http and grpc_target, f"did not start: {self.output}"
        self.url = http.group(1)
        self.ports = {int(http.group(1).rsplit(":", 1)[1]), int(grpc_target.group(1).rsplit(":", 1)[1])}

    def finish(self, timeout: float) -> int:
        """Wait for the exit; the rest of the output joins ``output``."""
        rest, _ = self.process.communicate(timeout=timeout)
        self.output += rest
        return self.process.returncode


@pytest.fixture
def served(tmp_path: pathlib.Path) -> Iterator[Served]:
    served = Served(tmp_path)
    try:
        yield served
    finally:
        if served.process.poll() is None:
            served.process.kill()
            served.finish(30)


def _tree(root: int) -> list[int]:
    """``root`` and its descendants."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(") ", 1)[1].split()[1])
            except (FileNotFoundError, IndexError):
                pass
    tree, grew = {root}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= found
        grew = bool(found)
    return sorted(tree)


def _cmdline(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().replace(b"\0", b" ").decode(errors="replace")


def _listening_ports(pids: list[int]) -> set[int]:
    """TCP ports in LISTEN state on sockets any of ``pids`` holds."""
    inodes: set[str] = set()
    for pid in pids:
        fds = f"/proc/{pid}/fd"
        for fd in os.listdir(fds):
            try:
                target = os.readlink(f"{fds}/{fd}")
            except FileNotFoundError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for row in f.readlines()[1:]:
                fields = row.split()
                if fields[3] == "0A" and fields[9] in inodes:  # 0A: TCP_LISTEN
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def test_triton_runs_in_process_on_no_port_and_stops_cleanly(served: Served) -> None:
    assert httpx.post(f"{served.url}/echo", json={}).json() == {"values": [0.0, 1.0, 2.0]}
    metrics = httpx.get(f"{served.url}/metrics").text
    assert 'cordwire_triton_endpoint_healthy{address="in-process",chute="tests-lifecycle"} 1.0' in metrics
    labels = 'chute="tests-lifecycle",kind="infer",model="identity"'
    assert f"cordwire_triton_request_duration_seconds_count{{{labels}}} 1.0" in metrics
    # Triton's own statistics for the model (its first request was the one above).
    assert 'cordwire_triton_model_successes_total{chute="tests-lifecycle",model="identity"} 1.0' in metrics
    tree = _tree(served.process.pid)
    commands = [_cmdline(pid) for pid in tree]
    assert not [c for c in commands if "tritonserver " in c or c.startswith("tritonserver")], commands
    assert any("triton_python_backend_stub" in c for c in commands), "expected the models' stubs"
    # cordwire's own HTTP and gRPC ports, and nothing of Triton's (it would be 8000-8002 by default).
    assert _listening_ports(tree) == served.ports

    served.process.send_signal(signal.SIGTERM)
    assert served.finish(60) == 0, served.output
    assert "Exit timeout expired" not in served.output
    assert "did not stop cleanly" not in served.output


def test_a_dead_model_stub_makes_serve_exit_non_zero(served: Served) -> None:
    # Triton's Python backend does not restart a stub that died; the process must be replaced.
    # It notices by itself (no request needed) and says why.
    stubs = [pid for pid in _tree(served.process.pid) if "identity_0_0" in _cmdline(pid)]
    assert stubs
    for pid in stubs:
        os.kill(pid, signal.SIGKILL)
    assert served.finish(60) == 1, served.output
    assert "Triton failed" in served.output and "identity_0_0" in served.output


BROKEN_CHUTE = """
import pathlib
from cordwire import Chute

chute = Chute(username="tests", name="broken", model_repository=pathlib.Path(__file__).parent / "models")


@chute.cord(public_api_path="/nothing", method="POST")
async def nothing(self) -> dict:
    return {}
"""


SERVE_OPTIONS = ("--no-auth", "--http-port", "0", "--grpc-port", "0")


def test_a_model_that_does_not_load_makes_serve_exit_non_zero_with_the_cause(tmp_path: pathlib.Path) -> None:
    model = tmp_path / "models" / "broken"
    (model / "1").mkdir(parents=True)
    (model / "1" / "model.py").write_text("raise RuntimeError('this model cannot load')\n")
    (model / "config.pbtxt").write_text('backend: "python"\nmax_batch_size: 0\n')
    (tmp_path / "chute.py").write_text(BROKEN_CHUTE)
    process = subprocess.run(
        [sys.executable, "-m", "cordwire", "serve", f"{tmp_path / 'chute.py'}:chute", *SERVE_OPTIONS],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    output = process.stdout + process.stderr
    assert process.returncode == 1, output
    assert "Triton failed: Triton did not start" in output and "broken" in output
