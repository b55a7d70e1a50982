"""`cordwire serve` processes of tests/jobs/chute.py, their keys, and a real redis-server."""

from __future__ import annotations

import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cordwire.server.admission import KeyStore
from tests.admission.conftest import redis_url

__all__ = ["Served", "events", "redis_url"]

CHUTE = f"{pathlib.Path(__file__).resolve().parent / 'chute.py'}:chute"


class Served:
    """One `cordwire serve` process; its output is drained (and kept) so it never blocks."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        command = [sys.executable, "-m", "cordwire", "serve", CHUTE, "--http-port", "0", "--grpc-port", "0"]
        self.process = subprocess.Popen(
            [*command, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        self.output = ""
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output += line
            if line.strip() == "ready":
                break
        http, target = re.search(r"HTTP\s+(http://\S+)", self.output), re.search(r"gRPC\s+(\S+)", self.output)
        assert http and target, f"did not start: {self.output}"
        self.url, self.grpc_target = http.group(1), target.group(1)
        self._drain = threading.Thread(target=self._read_rest, daemon=True)
        self._drain.start()

    def _read_rest(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output += line

    def client(self, key: str | None) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"x-api-key": key} if key else {}, timeout=30)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=30)
        self._drain.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return code


@pytest.fixture
def keys(tmp_path: pathlib.Path) -> tuple[pathlib.Path, str, str]:
    """A key store with two keys on the jobs chute: (path, alice, bob)."""
    path = tmp_path / "keys.db"
    with KeyStore(path) as store:
        return path, store.create("alice"), store.create("bob")


@pytest.fixture
def env(keys: tuple[pathlib.Path, str, str], tmp_path: pathlib.Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k != "CORDWIRE_JOBS_DIR"}
    return {**environ, "CORDWIRE_KEYS_DB": str(keys[0])}


@pytest.fixture
def served(env: dict[str, str]) -> Iterator[Served]:
    """A server running up to four jobs at once (jobs beside the keys DB, the default)."""
    server = Served(["--jobs-max-running", "4"], env)
    try:
        yield server
    finally:
        server.stop()


def events(client: httpx.Client, job_id: str, until: str | None = None) -> list[dict[str, Any]]:
    """The job's SSE records, to its end (or until one has status ``until``)."""
    records: list[dict[str, Any]] = []
    with client.stream("GET", f"/jobs/{job_id}/events", headers={"accept": "text/event-stream"}) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            record = json.loads(line[len("data: ") :])
            assert "error" not in record or record.get("id"), record
            records.append(record)
            if record["status"] == until:
                break
    return records
