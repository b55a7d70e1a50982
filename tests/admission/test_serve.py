"""Admission in `cordwire serve` processes: shared Redis budgets, 429s, body limits, live revocation."""

from __future__ import annotations

import os
import pathlib
import re
import socket
import subprocess
import sys
from collections.abc import Iterator

import grpc
import httpx
import pytest
import redis

BOOKSTORE = f"{pathlib.Path(__file__).resolve().parents[2]}/examples/bookstore/chute.py:chute"


class Served:
    """One `cordwire serve` process and the addresses it printed."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cordwire",
                "serve",
                BOOKSTORE,
                "--http-port",
                "0",
                "--grpc-port",
                "0",
                *args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        text = ""
        for line in self.process.stdout or ():
            text += line
            if line.strip() == "ready":
                break
        http, grpc_target = re.search(r"HTTP\s+(http://\S+)", text), re.search(r"gRPC\s+(\S+)", text)
        assert http and grpc_target, f"did not start: {text}"
        self.url, self.grpc_target = http.group(1), grpc_target.group(1)
        key = re.search(r"\n\s+(cw_\S+)", text)
        self.dev_key = key.group(1) if key else None

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        if self.process.stdout:
            self.process.stdout.close()


@pytest.fixture
def env(tmp_path: pathlib.Path) -> dict[str, str]:
    return {**os.environ, "CORDWIRE_KEYS_DB": str(tmp_path / "keys.db")}


@pytest.fixture
def pair(env: dict[str, str], redis_url: str) -> Iterator[tuple[Served, Served, str]]:
    """Two replicas sharing one key store and one Redis budget of 3 calls (no refill to speak of)."""
    redis.Redis.from_url(redis_url).flushdb()
    args = ["--redis", redis_url, "--rate-limit", "0.001", "--burst", "3"]
    first = Served(args, env)
    try:
        second = Served(args, env)
        try:
            assert first.dev_key and second.dev_key is None  # the key is created once, shown once
            yield first, second, first.dev_key
        finally:
            second.stop()
    finally:
        first.stop()


def test_replicas_share_one_rate_budget_through_redis(pair: tuple[Served, Served, str]) -> None:
    first, second, key = pair
    headers = {"X-API-Key": key}
    statuses = [httpx.get(f"{s.url}/v1/whoami", headers=headers).status_code for s in (first, second, first)]
    assert statuses == [200, 200, 200]
    refused = httpx.get(f"{second.url}/v1/whoami", headers=headers)
    assert refused.status_code == 429
    assert refused.json()["error"]["type"] == "rate_limit_error"
    assert int(refused.headers["retry-after"]) >= 1 and int(refused.headers["retry-after-ms"]) > 0
    with grpc.insecure_channel(first.grpc_target) as channel:
        whoami = channel.unary_unary(
            "/bookstore.v1.Bookstore/Whoami",
            request_serializer=lambda m: b"",
            response_deserializer=lambda b: b,
        )
        with pytest.raises(grpc.RpcError) as info:
            whoami(None, metadata=[("x-api-key", key)], timeout=10)
        assert info.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED  # type: ignore[attr-defined]


@pytest.fixture
def single(env: dict[str, str]) -> Iterator[tuple[Served, dict[str, str]]]:
    served = Served([], env)
    try:
        yield served, env
    finally:
        served.stop()


def test_a_64_mb_body_is_refused_before_it_is_read_and_the_server_stays_healthy(
    single: tuple[Served, dict[str, str]],
) -> None:
    served = single[0]
    host, port = served.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        # Only the headers go out: a 413 that waited for 64 MB would never arrive.
        sock.sendall(
            f"POST /v1/shelves/1/books HTTP/1.1\r\nHost: x\r\nX-API-Key: {served.dev_key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {64 * 1024 * 1024}\r\n\r\n".encode()
        )
        head = sock.recv(4096).decode("latin-1")
    assert head.startswith("HTTP/1.1 413")
    assert httpx.get(f"{served.url}/healthz").status_code == 200
    ok = httpx.get(f"{served.url}/v1/shelves/1/books/1", headers={"X-API-Key": served.dev_key or ""})
    assert ok.status_code == 200


def test_a_key_revoked_mid_session_stops_working_at_once(single: tuple[Served, dict[str, str]]) -> None:
    served, env = single

    def keys(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "cordwire", "keys", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=True,
        )
        return result.stdout

    key = keys("create", "--name", "temp").strip().splitlines()[-1]
    url = f"{served.url}/v1/whoami"
    assert httpx.get(url, headers={"X-API-Key": key}).status_code == 200
    keys("revoke", "temp")
    assert httpx.get(url, headers={"X-API-Key": key}).status_code == 401
    assert key not in keys("list")


def test_metrics_are_public_unless_metrics_auth_is_given(
    single: tuple[Served, dict[str, str]],
) -> None:
    public, env = single
    assert httpx.get(f"{public.url}/metrics").status_code == 200
    protected = Served(["--metrics-auth"], env)
    try:
        refused = httpx.get(f"{protected.url}/metrics")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_api_key"
        allowed = httpx.get(f"{protected.url}/metrics", headers={"X-API-Key": public.dev_key or ""})
        assert allowed.status_code == 200
        assert "cordwire_requests_total" in allowed.text
        assert httpx.get(f"{protected.url}/healthz").status_code == 200  # probes stay public
    finally:
        protected.stop()
