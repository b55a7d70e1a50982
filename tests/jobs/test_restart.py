"""Records and files survive a restart; a job running when its process died is `interrupted`."""

from __future__ import annotations

import pathlib
import signal
import subprocess
import sys

from .conftest import CHUTE, Served, events


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
    try:
        with first.client(keys[1]) as client:
            job = client.post("/jobs/wait", json={"seconds": 1.0}).json()
            events(client, job["id"], until="running")
    finally:
        assert first.stop() == 0
    second = Served(args, env)
    try:
        with second.client(keys[1]) as client:
            record = client.get(f"/jobs/{job['id']}").json()
            assert record["status"] == "complete" and record["result"] == "done"
    finally:
        second.stop()


def test_a_second_process_on_the_same_jobs_dir_is_refused(
    env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    args = ["--jobs-dir", str(tmp_path / "jobs")]
    first = Served(args, env)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "cordwire", "serve", CHUTE, "--http-port", "0", "--grpc-port", "0", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert second.returncode == 1
        assert "in use by another cordwire process" in second.stderr
    finally:
        first.stop()
