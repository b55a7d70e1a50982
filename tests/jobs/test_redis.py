"""Two `cordwire serve` replicas sharing jobs through a real redis-server."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest
import redis

from .conftest import Served, events


@pytest.fixture
def replicas(env: dict[str, str], redis_url: str, tmp_path: pathlib.Path) -> Iterator[tuple[Served, Served]]:
    redis.Redis.from_url(redis_url).flushdb()
    # Each replica its own folder: the records are in Redis, the files where the job ran.
    first = Served(["--redis", redis_url, "--jobs-dir", str(tmp_path / "a")], env)
    try:
        second = Served(["--redis", redis_url, "--jobs-dir", str(tmp_path / "b")], env)
        try:
            yield first, second
        finally:
            second.stop()
    finally:
        first.stop()


def test_create_on_one_replica_watch_and_cancel_on_the_other(
    replicas: tuple[Served, Served], keys: tuple[pathlib.Path, str, str]
) -> None:
    one, two = replicas
    with one.client(keys[1]) as a, two.client(keys[1]) as b, two.client(keys[2]) as stranger:
        job = a.post("/jobs/wait", json={}).json()
        assert events(b, job["id"], until="running")[-1]["status"] == "running"
        assert stranger.get(f"/jobs/{job['id']}").status_code == 404
        assert b.get("/jobs").json()["data"][0]["id"] == job["id"]
        cancelled = b.delete(f"/jobs/{job['id']}").json()  # it runs on whichever replica took it
        assert cancelled["status"] == "cancelled"
        assert a.get(f"/jobs/{job['id']}").json() == cancelled


def test_jobs_run_on_whichever_replica_has_room(
    replicas: tuple[Served, Served], keys: tuple[pathlib.Path, str, str]
) -> None:
    one, two = replicas
    with one.client(keys[1]) as a, two.client(keys[1]) as b:
        # One slot per replica: two long jobs occupy both, so a third waits in the shared queue.
        first = a.post("/jobs/wait", json={}).json()
        second = a.post("/jobs/wait", json={}).json()
        events(b, first["id"], until="running")
        events(b, second["id"], until="running")
        third = b.post("/jobs/add", json={"a": 5}).json()
        assert a.get(f"/jobs/{third['id']}").json()["status"] == "queued"
        a.delete(f"/jobs/{second['id']}")
        assert events(a, third["id"])[-1]["result"] == 6
        b.delete(f"/jobs/{first['id']}")
        statuses = {r["id"]: r["status"] for r in b.get("/jobs").json()["data"]}
        assert statuses == {first["id"]: "cancelled", second["id"]: "cancelled", third["id"]: "complete"}


def test_a_queued_job_cancelled_on_another_replica_never_runs(
    replicas: tuple[Served, Served], keys: tuple[pathlib.Path, str, str]
) -> None:
    one, two = replicas
    with one.client(keys[1]) as a, two.client(keys[1]) as b:
        busy = [a.post("/jobs/wait", json={}).json() for _ in range(2)]
        for job in busy:
            events(a, job["id"], until="running")
        queued = a.post("/jobs/render", json={}).json()
        assert b.delete(f"/jobs/{queued['id']}").json()["status"] == "cancelled"
        for job in busy:
            b.delete(f"/jobs/{job['id']}")
        assert a.get(f"/jobs/{queued['id']}").json()["started_at"] is None


def test_output_files_are_served_by_the_replica_that_ran_the_job(
    replicas: tuple[Served, Served], keys: tuple[pathlib.Path, str, str]
) -> None:
    one, two = replicas
    with one.client(keys[1]) as a, two.client(keys[1]) as b:
        job = a.post("/jobs/render", json={"frames": 1}).json()
        assert events(b, job["id"])[-1]["output_filenames"] == ["frame-0.txt", "sub/last.txt"]
        answers = [c.get(f"/jobs/{job['id']}/files/frame-0.txt") for c in (a, b)]
        assert sorted(r.status_code for r in answers) == [200, 404]  # separate --jobs-dir folders
        missing = next(r for r in answers if r.status_code == 404)
        assert "another replica" in missing.json()["error"]["message"]


async def test_a_runner_waiting_for_jobs_outlasts_redis_socket_timeouts(redis_url: str) -> None:
    # redis-py 8 times reads out after 5 s by default; a runner blocks longer than that between
    # jobs, so its blocking client must wait longer than its block, or idle runners die.
    from cordwire.jobs._redis import RedisBackend

    backend = RedisBackend(redis_url, "test-jobs", lease_seconds=15.0)
    try:
        blocking = backend._blocking.connection_pool.connection_kwargs["socket_timeout"]
        assert blocking > 15.0
        assert backend._client.connection_pool.connection_kwargs.get("socket_timeout", 5) <= 5
    finally:
        await backend._client.aclose()
        await backend._blocking.aclose()
