"""Usage and quotas in `cordwire serve` processes: restarts keep counts, Redis shares one quota."""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
import redis

from tests.admission.test_serve import Served


@pytest.fixture
def env(tmp_path: pathlib.Path) -> dict[str, str]:
    return {**os.environ, "CORDWIRE_KEYS_DB": str(tmp_path / "keys.db")}


def cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "cordwire", "keys", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=True,
    )
    return result.stdout


def get_book(served: Served, key: str) -> httpx.Response:
    return httpx.get(f"{served.url}/v1/shelves/1/books/1", headers={"X-API-Key": key}, timeout=10)


def test_sigterm_flushes_and_a_restart_keeps_counts_and_quotas(env: dict[str, str]) -> None:
    served = Served([], env)
    key = served.dev_key or ""
    try:
        capped = cli(env, "create", "--name", "capped", "--quota-requests", "2").splitlines()[-1]
        assert [get_book(served, key).status_code for _ in range(3)] == [200] * 3
        assert get_book(served, capped).status_code == 200
    finally:
        served.stop()  # SIGTERM: the last counts are flushed on the way out
    # Read offline, from the file beside the keys DB, as the operator would.
    report = json.loads(cli(env, "usage", "dev", "--json"))
    assert report["key"] == "dev" and report["totals"]["requests"] == 3
    assert report["data"][0]["cord"] == "GetBook" and report["data"][0]["chute"] == "demo-bookstore"

    again = Served([], env)
    try:
        usage = httpx.get(f"{again.url}/v1/usage", headers={"X-API-Key": key}, timeout=10).json()
        assert usage["totals"]["requests"] == 3
        assert get_book(again, capped).status_code == 200  # its second of two
        refused = get_book(again, capped)
        assert refused.status_code == 429 and refused.json()["error"]["code"] == "quota_exceeded"
    finally:
        again.stop()


def test_counts_reach_the_file_within_a_second_so_a_sigkill_loses_little(env: dict[str, str]) -> None:
    served = Served([], env)
    try:
        assert [get_book(served, served.dev_key or "").status_code for _ in range(2)] == [200, 200]
        usage_db = pathlib.Path(env["CORDWIRE_KEYS_DB"]).with_name("keys.usage.db")
        # Written by the server's periodic flush (every second), not by a read or a shutdown.
        deadline = time.monotonic() + 10
        while _recorded(usage_db) < 2:
            assert time.monotonic() < deadline, "the periodic flush did not write the counts"
            time.sleep(0.05)
    finally:
        served.process.send_signal(signal.SIGKILL)
        served.stop()
    assert json.loads(cli(env, "usage", "dev", "--json"))["totals"]["requests"] == 2


def _recorded(path: pathlib.Path) -> int:
    if not path.exists():
        return 0
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            return int(db.execute("SELECT COALESCE(SUM(requests), 0) FROM usage").fetchone()[0])
        except sqlite3.OperationalError:  # the table is not there yet
            return 0


@pytest.fixture
def pair(env: dict[str, str], redis_url: str) -> Iterator[tuple[Served, Served]]:
    redis.Redis.from_url(redis_url).flushdb()
    first = Served(["--redis", redis_url], env)
    try:
        second = Served(["--redis", redis_url], env)
        try:
            yield first, second
        finally:
            second.stop()
    finally:
        first.stop()


def test_two_replicas_sharing_redis_enforce_one_quota(
    env: dict[str, str], pair: tuple[Served, Served], redis_url: str
) -> None:
    first, second = pair
    key = cli(env, "create", "--name", "shared", "--quota-requests", "3").splitlines()[-1]
    statuses = [get_book(s, key).status_code for s in (first, second, first, second, first)]
    assert statuses == [200, 200, 200, 429, 429]
    # A replica reads its own counts at once; the other's arrive with its next flush (a second).
    usage = httpx.get(f"{second.url}/v1/usage", headers={"X-API-Key": key}, timeout=10).json()
    assert usage["totals"]["requests"] >= 1
    first.stop()
    second.stop()  # both flush on SIGTERM: each wrote its own counts into the same Redis hashes
    report = json.loads(cli(env, "usage", "shared", "--json", "--redis", redis_url))
    assert report["totals"]["requests"] == 3
    cli(env, "usage", "shared", "--delete", "--redis", redis_url)
    assert json.loads(cli(env, "usage", "shared", "--json", "--redis", redis_url))["totals"]["requests"] == 0


def test_keys_commands_set_show_and_change_quotas(env: dict[str, str]) -> None:
    cli(
        env,
        "create",
        "--name",
        "q",
        "--quota-requests",
        "100",
        "--quota-tokens",
        "5000",
        "--quota-window",
        "month",
    )
    assert "100 req+5000 tok/month" in cli(env, "list")
    assert "50 req+5000 tok/month" in cli(env, "update", "q", "--quota-requests", "50")
    assert "5000 tok/day" in cli(env, "update", "q", "--quota-requests", "none", "--quota-window", "day")
    assert "quota -" in cli(env, "update", "q", "--no-quota")
    table = cli(env, "usage", "q", "--since", "7d")
    assert table.splitlines()[0] == "Usage of key 'q':" and table.splitlines()[-1].startswith("total")
    bad = subprocess.run(
        [sys.executable, "-m", "cordwire", "keys", "usage", "nobody"], capture_output=True, text=True, env=env
    )
    assert bad.returncode == 1 and "no key named 'nobody'" in bad.stderr
