"""Records and files survive a restart; a job running when its process died is `interrupted`."""

from __future__ import annotations

import json
import pathlib
import signal
import threading

from .conftest import Served, events


def test_a_restart_keeps_records_and_files_and_marks_the_killed_job_interrupted(
    env: dict[str, str], keys: tuple[pathlib.Path, str, str], tmp_path: pathlib.Path
) -> None:
    jobs_dir = tmp_path / "jobs-here"
    args = ["--jobs-dir", str(jobs_dir), "--jobs-max-running", "1"]
    first = Served(args, env)
    try:
        with first.client(keys[1]) as client:
            done = client.post("/jobs/render", json={"frames": 1}).json()
            events(client, done["id"])
            running = client.post("/jobs/wait", json={}).json()
            events(client, running["id"], until="running")
            queued = client.post("/jobs/add", json={"a": 2}).json()
            assert client.get(f"/jobs/{queued['id']}").json()["status"] == "queued"
    finally:
        first.stop(signal.SIGKILL)  # no grace, no shutdown hooks: the process just dies
    assert (jobs_dir / "jobs.db").exists()  # --jobs-dir is where the records are
    second = Served(args, env)
    try:
        with second.client(keys[1]) as client:
            kept = client.get(f"/jobs/{done['id']}").json()
            assert kept["status"] == "complete" and kept["output_filenames"] == [
                "frame-0.txt",
                "sub/last.txt",
            ]
            assert client.get(f"/jobs/{done['id']}/files/frame-0.txt").content == b"frame 0"
            killed = client.get(f"/jobs/{running['id']}").json()
            assert killed["status"] == "interrupted" and killed["finished_at"] and killed["error"]
            assert events(client, queued["id"])[-1]["result"] == 3  # a queued job is not lost: it runs now
    finally:
        second.stop()


def test_sigterm_lets_a_running_job_finish_within_the_grace(
    env: dict[str, str], keys: tuple[pathlib.Path, str, str], tmp_path: pathlib.Path
) -> None:
    args = ["--jobs-dir", str(tmp_path / "jobs")]
    first = Served(args, env)
    lines: list[str] = []
    try:
        with first.client(keys[1]) as client:
            job = client.post("/jobs/wait", json={"seconds": 1.0}).json()
            events(client, job["id"], until="running")
            queued = client.post("/jobs/render", json={}).json()  # one slot: it waits

            watching = threading.Event()

            def watch() -> None:
                with client.stream("GET", f"/jobs/{queued['id']}/events") as response:
                    watching.set()
                    lines.extend(line for line in response.iter_lines() if line.startswith("data: "))

            watcher = threading.Thread(target=watch)
            watcher.start()
            # SIGTERM only once the watch is on: sent earlier, the server may refuse the connection.
            assert watching.wait(timeout=30)
            first.stop()
            watcher.join(timeout=30)
    finally:
        assert first.stop() == 0
    # Its watcher was told to come back, not left hanging nor given an internal error.
    assert json.loads(lines[-2][len("data: ") :])["error"]["code"] == "unavailable", lines
    second = Served(args, env)
    try:
        with second.client(keys[1]) as client:
            record = client.get(f"/jobs/{job['id']}").json()
            assert record["status"] == "complete" and record["result"] == "done"
            assert (
                events(client, queued["id"])[-1]["status"] == "complete"
            )  # queued, then run after the restart
    finally:
        second.stop()


def test_two_processes_on_one_jobs_dir_see_and_cancel_each_others_jobs(
    env: dict[str, str], keys: tuple[pathlib.Path, str, str]
) -> None:
    # The default folder is beside the keys database: two processes with one keys DB share it.
    one = Served([], env)
    try:
        two = Served([], env)
        try:
            with one.client(keys[1]) as a, two.client(keys[1]) as b:
                job = a.post("/jobs/wait", json={}).json()
                events(a, job["id"], until="running")
                assert events(b, job["id"], until="running")[-1]["status"] == "running"
                cancelled = b.delete(f"/jobs/{job['id']}").json()  # runs in the other process
                assert cancelled["status"] == "cancelled"
                assert a.get(f"/jobs/{job['id']}").json() == cancelled
        finally:
            two.stop()
        with one.client(keys[1]) as a:  # the one still alive did not mark anything interrupted
            assert {r["status"] for r in a.get("/jobs").json()["data"]} == {"cancelled"}
    finally:
        one.stop()
