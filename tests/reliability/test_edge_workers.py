"""`cordwire serve --workers N` and the edge flags, through the real command line."""

from __future__ import annotations

import os
import pathlib
import re
import resource
import select
import signal
import socket
import subprocess
import sys

import grpc
import httpx
import pytest

from cordwire._cli import main

from .edge_chute import chute
from .serving import RELAY_TARGET, ROOT, serve_process

pytestmark = pytest.mark.timeout(90)

EDGE_TARGET = f"{pathlib.Path(__file__).with_name('edge_chute.py')}:chute"
PORTS = ("--http-port", "0", "--grpc-port", "0")


def serve_workers(*extra: str) -> tuple[subprocess.Popen[str], str]:
    """``cordwire serve --workers 2`` on free ports, once both workers said ``ready``; its output."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cordwire",
            "serve",
            EDGE_TARGET,
            "--no-auth",
            "--workers",
            "2",
            *PORTS,
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line)
        if sum(seen.strip() == "ready" for seen in lines) == 2:
            break
    return process, "".join(lines)


def test_two_workers_share_the_http_and_grpc_ports() -> None:
    process, output = serve_workers("--max-header-bytes", "4096")
    assert process.stdout is not None
    try:
        http_url = re.findall(r"^HTTP\s+(http://\S+)", output, re.MULTILINE)
        grpc_target = re.findall(r"^gRPC\s+(\S+)", output, re.MULTILINE)
        assert len(http_url) == 2 and len(set(http_url)) == 1, output
        assert len(grpc_target) == 2 and len(set(grpc_target)) == 1, output
        http_pids = set()
        for _ in range(40):  # a new connection each time: the kernel spreads them by address
            with httpx.Client(base_url=http_url[0]) as client:
                http_pids.add(client.post("/whoami", json={}).json()["pid"])
            if len(http_pids) == 2:
                break
        cord = chute.cords()["Whoami"]
        grpc_pids = set()
        for _ in range(40):
            with grpc.insecure_channel(grpc_target[0]) as channel:
                call = channel.unary_unary(
                    cord.full_path,
                    request_serializer=cord.input_class.SerializeToString,
                    response_deserializer=cord.output_class.FromString,
                )
                grpc_pids.add(int(call(cord.input_class(), timeout=10)["pid"]))
            if len(grpc_pids) == 2:
                break
        # The flags reach every worker.
        with httpx.Client(base_url=http_url[0]) as client:
            too_big = client.get("/healthz", headers={"x-big": "a" * 5000})
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(30)
        process.stdout.close()
    assert len(http_pids) == 2 and process.pid not in http_pids
    assert grpc_pids == http_pids
    assert too_big.status_code == 431
    assert code == 0


def test_workers_with_embedded_triton_and_models_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["serve", RELAY_TARGET, "--no-auth", "--workers", "2"])
    assert code == 1
    assert "--workers 2 needs external Triton (--triton HOST:PORT)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--header-timeout", "0"], "edge limit header_timeout must be positive, not 0.0"),
        (["--max-connections-per-ip", "-1"], "edge limit max_connections_per_ip must be positive, not -1"),
        (["--workers", "0"], "--workers must be at least 1, not 0"),
    ],
)
def test_bad_limit_flags_are_refused(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", EDGE_TARGET, "--no-auth", *flags]) == 1
    assert message in capsys.readouterr().err


def test_the_worker_processes_are_gone_after_sigterm() -> None:
    """No orphan: every worker is a child of the serving process and ends with it."""
    process, _ = serve_workers()
    assert process.stdout is not None
    children = _children(process.pid)
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    process.stdout.close()
    assert len(children) == 2
    assert not [pid for pid in children if pathlib.Path(f"/proc/{pid}").exists()]


def test_workers_end_when_their_parent_is_killed() -> None:
    process, _ = serve_workers()
    assert process.stdout is not None
    children = _children(process.pid)
    exits = [os.pidfd_open(pid) for pid in children]  # readable once that process has ended
    process.kill()
    process.wait()
    process.stdout.close()
    try:
        assert len(children) == 2
        for fd in exits:
            assert select.select([fd], [], [], 30)[0], "a worker outlived its killed parent"
    finally:
        for fd in exits:
            os.close(fd)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = pathlib.Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def test_gateway_workers_share_the_http_port() -> None:
    upstream, output = serve_workers()
    assert upstream.stdout is not None
    grpc_target = re.findall(r"^gRPC\s+(\S+)", output, re.MULTILINE)[0]
    argv = ["gateway", "--upstream", grpc_target, "--workers", "2", "--http-port", "0", "--max-headers", "10"]
    gateway = subprocess.Popen(
        [sys.executable, "-m", "cordwire", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    assert gateway.stdout is not None
    try:
        lines: list[str] = []
        for line in gateway.stdout:
            lines.append(line)
            if sum(seen.strip() == "ready" for seen in lines) == 2:
                break
        urls = set(re.findall(r"^HTTP\s+(http://\S+)", "".join(lines), re.MULTILINE))
        assert len(urls) == 1, lines
        workers = _children(gateway.pid)
        with httpx.Client(base_url=urls.pop()) as client:
            answer = client.post("/whoami", json={"text": "via gateway"})
            refused = client.get("/healthz", headers={f"x-h{i}": "v" for i in range(12)})
    finally:
        gateway.send_signal(signal.SIGTERM)
        gateway_code = gateway.wait(30)
        gateway.stdout.close()
        upstream.send_signal(signal.SIGTERM)
        upstream.wait(30)
        upstream.stdout.close()
    assert len(workers) == 2
    assert answer.json()["text"] == "via gateway"
    assert refused.status_code == 431
    assert gateway_code == 0


@pytest.mark.parametrize(("hard", "expected"), [(1500, 476), (9216, 8192)])
def test_the_connection_cap_fits_the_open_files_limit(hard: int, expected: int) -> None:
    """Under a hard limit too low for the cap, the cap comes down (a flood then meets 429s, not
    accept() failures); otherwise the soft limit goes up to fit it."""
    if resource.getrlimit(resource.RLIMIT_NOFILE)[1] < hard:
        pytest.skip(f"this machine's hard open-files limit is below {hard}")
    script = (
        "import resource; "
        f"resource.setrlimit(resource.RLIMIT_NOFILE, (1024, {hard})); "
        "from cordwire._edge_limits import EdgeLimits; from cordwire._http_server import fit_open_files; "
        "limits = fit_open_files(EdgeLimits()); "
        "print(limits.max_connections, resource.getrlimit(resource.RLIMIT_NOFILE)[0])"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    cap, soft = (int(x) for x in run.stdout.split())
    assert cap == expected
    assert soft == min(hard, 8192 + 1024)


def test_sigterm_does_not_wait_for_a_body_that_never_comes() -> None:
    """Shutdown is bounded by the grace period (10 s), not by the body deadline (here 300 s)."""
    with serve_process(EDGE_TARGET, "--body-timeout", "300") as served:
        host, port = served.http_url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port))) as stalled:
            stalled.sendall(b"POST /whoami HTTP/1.1\r\nHost: edge\r\nContent-Length: 100\r\n\r\n{")
            with httpx.Client(base_url=served.http_url) as client:  # the stalled request is in
                assert client.post("/whoami", json={}).status_code == 200
            code = served.stop(timeout=60)
    assert code == 0
