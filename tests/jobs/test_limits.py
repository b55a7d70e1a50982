"""Output limits, and callbacks: the final record POSTed with retries (private addresses by flag)."""

from __future__ import annotations

import http.server
import json
import pathlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import Served, events


def test_a_run_beyond_the_output_limits_ends_in_error_without_files(
    env: dict[str, str], keys: tuple[pathlib.Path, str, str]
) -> None:
    server = Served(["--jobs-max-files", "2"], env)
    try:
        with server.client(keys[1]) as client:
            job = client.post("/jobs/render", json={"frames": 2}).json()  # three files
            record = events(client, job["id"])[-1]
            assert record["status"] == "error" and "more than 2 output files" in record["error"]
            assert record["output_filenames"] == []
            assert client.get(f"/jobs/{job['id']}/files/frame-0.txt").status_code == 404
    finally:
        server.stop()


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list[dict[str, Any]]
    failures: list[int]
    done: threading.Event

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        if self.failures:  # answer 500 a few times first: the server must retry
            self.failures.pop()
            self.send_response(500)
        else:
            self.received.append(body)
            self.done.set()
            self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"received": [], "failures": [500], "done": threading.Event()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", handler
    finally:
        server.shutdown()
        server.server_close()


def test_callback_receives_the_final_record_after_a_retry(
    env: dict[str, str], keys: tuple[pathlib.Path, str, str], receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    server = Served(["--jobs-allow-private-callbacks"], env)
    try:
        with server.client(keys[1]) as client:
            job = client.post("/jobs/add", json={"a": 1, "callback_url": url})
            assert job.status_code == 202, job.text
            final = events(client, job.json()["id"])[-1]
            assert handler.done.wait(30)
            assert handler.received == [final] and handler.failures == []
    finally:
        server.stop()
