"""`cordwire gateway --upstream`: HTTP in one process, the chute's gRPC server in another."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

BOOKSTORE = f"{pathlib.Path(__file__).resolve().parents[2]}/examples/bookstore/chute.py:chute"


def _start(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "cordwire", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
    )
    text = ""
    for line in process.stdout or ():
        text += line
        if line.strip() == "ready":
            return process, text
    raise AssertionError(f"did not start: {text}")


@pytest.fixture
def split(tmp_path: pathlib.Path) -> Iterator[tuple[str, str]]:
    os.environ["CORDWIRE_KEYS_DB"] = str(tmp_path / "keys.db")
    processes = []
    try:
        server, text = _start(["serve", BOOKSTORE, "--http-port", "0", "--grpc-port", "0"])
        processes.append(server)
        grpc_target = re.search(r"gRPC\s+(\S+)", text)
        key = re.search(r"\n\s+(cw_\S+)", text)
        assert grpc_target and key
        gateway, text = _start(["gateway", "--upstream", grpc_target.group(1), "--http-port", "0"])
        processes.append(gateway)
        http = re.search(r"HTTP\s+(\S+)", text)
        assert http
        yield http.group(1), key.group(1)
    finally:
        os.environ.pop("CORDWIRE_KEYS_DB", None)
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
            if process.stdout:
                process.stdout.close()


def test_remote_gateway_transcodes_onto_the_upstream_with_its_auth(split: tuple[str, str]) -> None:
    url, key = split
    book = httpx.get(f"{url}/v1/shelves/1/books/1", headers={"X-API-Key": key})
    assert book.status_code == 200
    assert book.json()["title"] == "Dune"
    missing = httpx.get(f"{url}/v1/shelves/1/books/7", headers={"X-API-Key": key})
    assert (missing.status_code, missing.json()["error"]["param"]) == (404, "name")
    assert httpx.get(f"{url}/v1/shelves/1/books/1").status_code == 401  # the upstream checks keys
    stream = httpx.get(f"{url}/v1/shelves/1/books", headers={"X-API-Key": key})
    assert stream.text.endswith("data: [DONE]\n\n")
