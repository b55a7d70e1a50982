"""`cordwire serve` as a user runs it: a real process, real sockets, real signals."""

from __future__ import annotations

import os
import pathlib
import re
import signal
import subprocess
import sys
from collections.abc import Iterator

import grpc
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
        grpc_target = re.search(r"gRPC\s+(\S+)", text)
        assert grpc_target
        self.grpc_target = grpc_target.group(1)
        key = re.search(r"development API key.*\n\s+(cw_\S+)", text)
        self.dev_key = key.group(1) if key else None


@pytest.fixture
def served(tmp_path: pathlib.Path) -> Iterator[tuple[Served, pathlib.Path]]:
    marker = tmp_path / "marker"
    keys_db = tmp_path / "keys.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "cordwire", "serve", HOOKED, "--http-port", "0", "--grpc-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "CORDWIRE_TEST_MARKER": str(marker), "CORDWIRE_KEYS_DB": str(keys_db)},
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
    assert re.search(r"GET /v1/{parent=shelves/\*}/books\s+-> ListBooks \(server streaming\)", text)
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


def test_first_serve_prints_a_dev_key_and_calls_need_one(served: tuple[Served, pathlib.Path]) -> None:
    server = served[0]
    assert server.dev_key, "no development key printed on first start"
    url = f"{server.http_url}/v1/whoami"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"X-API-Key": "cw_000000000000_nope"}).status_code == 401
    assert httpx.get(url, headers={"X-API-Key": server.dev_key}).status_code == 200
    assert httpx.get(url, headers={"Authorization": f"Bearer {server.dev_key}"}).status_code == 200
    error = httpx.get(url).json()["error"]
    assert error["type"] == "authentication_error"


def test_keys_created_by_the_cli_are_scoped_to_their_chutes(
    served: tuple[Served, pathlib.Path], tmp_path: pathlib.Path
) -> None:
    server = served[0]

    def create(name: str, *chutes: str) -> str:
        args = [sys.executable, "-m", "cordwire", "keys", "create", "--name", name]
        for chute in chutes:
            args += ["--chute", chute]
        result = subprocess.run(
            [*args, "--keys-db", str(tmp_path / "keys.db")],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout.strip().splitlines()[-1]

    mine, other = create("mine", "demo-bookstore"), create("other", "someone-else")
    url = f"{server.http_url}/v1/whoami"
    assert httpx.get(url, headers={"X-API-Key": mine}).status_code == 200
    denied = httpx.get(url, headers={"X-API-Key": other})
    assert denied.status_code == 403
    assert denied.json()["error"]["type"] == "permission_error"


def test_grpc_calls_need_a_key_in_metadata(served: tuple[Served, pathlib.Path]) -> None:
    server = served[0]
    with grpc.insecure_channel(server.grpc_target) as channel:
        whoami = channel.unary_unary(
            "/bookstore.v1.Bookstore/Whoami",
            request_serializer=lambda m: b"",
            response_deserializer=lambda b: b,
        )
        with pytest.raises(grpc.RpcError) as info:
            whoami(None, timeout=10)
        assert info.value.code() is grpc.StatusCode.UNAUTHENTICATED  # type: ignore[attr-defined]
        whoami(None, metadata=[("x-api-key", server.dev_key or "")], timeout=10)
        whoami(None, metadata=[("authorization", f"Bearer {server.dev_key}")], timeout=10)


def test_routes_command_prints_the_table_without_serving() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cordwire", "routes", HOOKED],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert re.search(r"GET /v1/\{name=shelves/\*/books/\*\}\s+-> GetBook\n", result.stdout)
    assert "POST /bookstore.v1.Bookstore/AddBooks" in result.stdout
