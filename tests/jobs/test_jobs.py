"""Jobs over HTTP against a real `cordwire serve`: lifecycle, files, cancels, limits, ownership."""

from __future__ import annotations

import datetime
import pathlib

import httpx
import pytest

from .conftest import Served, events

FINAL = {"complete", "error", "cancelled", "timeout", "interrupted"}


def _created(client: httpx.Client, name: str, body: dict[str, object] | None = None) -> dict[str, object]:
    response = client.post(f"/jobs/{name}", json=body or {})
    assert response.status_code == 202, response.text
    record: dict[str, object] = response.json()
    assert record["status"] == "queued"
    return record


def _time(value: object) -> datetime.datetime:
    assert isinstance(value, str) and value.endswith("Z"), value
    return datetime.datetime.fromisoformat(value)


def test_a_job_runs_to_complete_with_its_result_and_files(
    served: Served, keys: tuple[pathlib.Path, str, str]
) -> None:
    with served.client(keys[1]) as client:
        created = _created(client, "render", {"frames": 2, "text": "hello"})
        assert set(created) == {"id", "name", "status", "result", "error", "created_at"} | {
            "started_at",
            "finished_at",
            "output_filenames",
        }
        assert (
            created["started_at"] is None and created["result"] is None and created["output_filenames"] == []
        )
        seen = events(client, str(created["id"]))
        statuses = [r["status"] for r in seen]
        assert statuses[-1] == "complete" and "queued" not in statuses[1:], statuses
        assert "running" in statuses or statuses[0] == "complete"  # it may have run before we watched
        record = client.get(f"/jobs/{created['id']}").json()
        assert record == seen[-1]
        assert record["result"] == {"frames": 2, "startup": "yes"}  # self is the chute, set up
        assert record["error"] is None
        assert record["output_filenames"] == ["frame-0.txt", "frame-1.txt", "sub/last.txt"]
        assert _time(record["created_at"]) <= _time(record["started_at"]) <= _time(record["finished_at"])
        file = client.get(f"/jobs/{created['id']}/files/frame-1.txt")
        assert file.status_code == 200 and file.content == b"hello 1"
        assert file.headers["content-type"].startswith("text/plain")
        assert client.get(f"/jobs/{created['id']}/files/sub/last.txt").content == b"last"


def test_a_sync_job_runs_in_a_thread_and_upload_false_keeps_no_files(
    served: Served, keys: tuple[pathlib.Path, str, str]
) -> None:
    with served.client(keys[1]) as client:
        created = _created(client, "add", {"a": 40, "b": 2})
        record = events(client, str(created["id"]))[-1]
        assert record["status"] == "complete" and record["result"] == 42
        assert record["output_filenames"] == []


def test_a_raising_job_ends_in_error_with_its_message(
    served: Served, keys: tuple[pathlib.Path, str, str]
) -> None:
    with served.client(keys[1]) as client:
        created = _created(client, "fail", {"message": "the GPU caught fire"})
        record = events(client, str(created["id"]))[-1]
        assert record["status"] == "error"
        assert "the GPU caught fire" in record["error"] and "Traceback" not in record["error"]
        assert record["result"] is None and record["finished_at"]
        own = events(client, str(_created(client, "own_timeout")["id"]))[-1]
        assert own["status"] == "error" and own["error"] == "TimeoutError: the upstream took too long"


def test_a_job_past_its_timeout_ends_in_timeout(served: Served, keys: tuple[pathlib.Path, str, str]) -> None:
    with served.client(keys[1]) as client:
        record = events(client, str(_created(client, "slow")["id"]))[-1]
        assert record["status"] == "timeout" and "0.5s" in record["error"]


def test_cancelling_a_running_job(served: Served, keys: tuple[pathlib.Path, str, str]) -> None:
    with served.client(keys[1]) as client:
        created = _created(client, "wait")
        events(client, str(created["id"]), until="running")
        cancelled = client.delete(f"/jobs/{created['id']}")
        assert cancelled.status_code == 200
        record = cancelled.json()
        assert record["status"] == "cancelled" and record["started_at"] and record["finished_at"]
        assert record["output_filenames"] == ["started"]  # what it wrote before the cancel is kept
        assert events(client, str(created["id"])) == [record]  # an ended job's stream: its record, then done
        assert client.delete(f"/jobs/{created['id']}").json() == record  # cancelling again changes nothing


def test_cancelling_a_queued_job_and_the_queue_limit(
    env: dict[str, str], keys: tuple[pathlib.Path, str, str]
) -> None:
    server = Served(["--jobs-max-running", "1", "--jobs-max-queued", "1"], env)
    try:
        with server.client(keys[1]) as client:
            running = _created(client, "wait")
            events(client, str(running["id"]), until="running")
            queued = _created(client, "render")
            full = client.post("/jobs/render", json={})
            assert full.status_code == 429 and full.headers["retry-after"] == "5"
            assert full.json()["error"]["code"] == "job_queue_full"
            record = client.delete(f"/jobs/{queued['id']}").json()
            assert record["status"] == "cancelled" and record["started_at"] is None
            _created(client, "add", {"a": 1})  # room again
            client.delete(f"/jobs/{running['id']}")
            assert client.get(f"/jobs/{queued['id']}").json()["status"] == "cancelled"  # it never ran
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("name", "body", "status", "param"),
    [
        ("nope", {}, 404, "name"),
        ("add", {}, 400, "a"),  # a required argument missing
        ("add", {"a": 1, "c": 2}, 400, None),  # not a parameter
        ("add", {"a": "three"}, 400, "a"),  # not an int
        ("render", {"output_dir": "/etc"}, 400, "output_dir"),  # cordwire's to set
        ("render", {"callback_url": "http://127.0.0.1:9/x"}, 400, "callback_url"),  # loopback refused
        ("render", {"callback_url": "ftp://example.com/"}, 400, "callback_url"),
    ],
)
def test_arguments_that_do_not_fit_are_refused_before_queueing(
    served: Served,
    keys: tuple[pathlib.Path, str, str],
    name: str,
    body: dict[str, object],
    status: int,
    param: str | None,
) -> None:
    with served.client(keys[1]) as client:
        response = client.post(f"/jobs/{name}", json=body)
        assert response.status_code == status, response.text
        assert response.json()["error"]["param"] == param
        assert client.get("/jobs").json()["data"] == []  # nothing was queued


def test_another_key_sees_404_and_lists_only_its_own(
    served: Served, keys: tuple[pathlib.Path, str, str]
) -> None:
    with served.client(keys[1]) as alice, served.client(keys[2]) as bob, served.client(None) as nobody:
        job = _created(alice, "render")
        events(alice, str(job["id"]))
        for path in (
            f"/jobs/{job['id']}",
            f"/jobs/{job['id']}/files/frame-0.txt",
            f"/jobs/{job['id']}/events",
        ):
            response = bob.get(path)
            assert response.status_code == 404, path
            assert response.json()["error"]["message"] == f"no job {job['id']!r}"
            assert nobody.get(path).status_code == 401
        assert bob.delete(f"/jobs/{job['id']}").status_code == 404
        assert bob.get("/jobs").json()["data"] == []
        assert [r["id"] for r in alice.get("/jobs").json()["data"]] == [job["id"]]


@pytest.mark.parametrize(
    "path",
    [
        "../../jobs.db",
        "%2e%2e/%2e%2e/jobs.db",
        "..%2f..%2fjobs.db",
        "sub/../../frame-0.txt",
        "/etc/passwd",
        "%2fetc%2fpasswd",
        "sub",
        "missing.txt",
    ],
)
def test_files_outside_the_job_are_refused(
    served: Served, keys: tuple[pathlib.Path, str, str], path: str
) -> None:
    with served.client(keys[1]) as client:
        job = _created(client, "render")
        events(client, str(job["id"]))
        response = client.get(f"/jobs/{job['id']}/files/{path}")
        assert response.status_code in (400, 404), (path, response.status_code)
        assert response.headers["content-type"] == "application/json"


def test_list_filters_and_cursor(served: Served, keys: tuple[pathlib.Path, str, str]) -> None:
    with served.client(keys[1]) as client:
        ids = []
        for i in range(5):
            job = _created(client, "add", {"a": i})
            ids.append(job["id"])
        failed = _created(client, "fail", {"message": "x"})
        for job_id in [*ids, failed["id"]]:
            events(client, str(job_id))
        everything = client.get("/jobs").json()
        assert [r["id"] for r in everything["data"]] == [failed["id"], *reversed(ids)]  # newest first
        assert everything["has_more"] is False
        page = client.get("/jobs", params={"name": "add", "limit": 2}).json()
        assert [r["id"] for r in page["data"]] == [ids[4], ids[3]] and page["has_more"] is True
        rest = client.get("/jobs", params={"name": "add", "after": ids[3]}).json()
        assert [r["id"] for r in rest["data"]] == [ids[2], ids[1], ids[0]]
        assert [r["id"] for r in client.get("/jobs", params={"status": "error"}).json()["data"]] == [
            failed["id"]
        ]
        assert client.get("/jobs", params={"status": "done"}).status_code == 400
        assert client.get("/jobs", params={"after": "job_nope"}).status_code == 400


def test_openapi_lists_the_job_routes(served: Served) -> None:
    document = httpx.get(f"{served.url}/openapi.json").json()
    assert {"/jobs", "/jobs/{name}", "/jobs/{id}", "/jobs/{id}/events", "/jobs/{id}/files/{path}"} <= set(
        document["paths"]
    )
    assert "202" in document["paths"]["/jobs/{name}"]["post"]["responses"]
    assert set(document["paths"]["/jobs/{id}"]) == {"get", "delete"}


async def test_the_example_chute_has_a_job(tmp_path: pathlib.Path) -> None:
    from cordwire._target import load_target
    from cordwire.jobs import JobsOptions
    from cordwire.testing import serve_chute

    chute = load_target(str(pathlib.Path(__file__).parents[2] / "examples/bookstore/chute.py") + ":chute")
    async with serve_chute(chute, jobs=JobsOptions(folder=tmp_path)) as running:
        created = await running.http.post("/jobs/export_shelf", json={"shelf": "shelves/1"})
        assert created.status_code == 202
        job_id = created.json()["id"]
        async with running.http.stream("GET", f"/jobs/{job_id}/events") as response:
            lines = [line async for line in response.aiter_lines() if line.startswith("data: {")]
        assert '"status":"complete"' in lines[-1].replace(" ", "")
        record = (await running.http.get(f"/jobs/{job_id}")).json()
        assert record["result"] == {"shelf": "shelves/1", "books": 1}
        books = (await running.http.get(f"/jobs/{job_id}/files/books.jsonl")).text
        assert '"title": "Dune"' in books


def test_keys_scoped_to_other_chutes_are_refused(served: Served, keys: tuple[pathlib.Path, str, str]) -> None:
    from cordwire.server.admission import KeyStore

    with KeyStore(keys[0]) as store:
        elsewhere, here = store.create("elsewhere", ["demo-bookstore"]), store.create("here", ["test-jobs"])
    with served.client(elsewhere) as refused, served.client(here) as allowed:
        assert refused.post("/jobs/add", json={"a": 1}).status_code == 403
        assert refused.get("/jobs").status_code == 403
        assert allowed.post("/jobs/add", json={"a": 1}).status_code == 202


def test_arguments_are_bounded_by_the_create_rpcs_body_limit(
    served: Served, keys: tuple[pathlib.Path, str, str]
) -> None:
    with served.client(keys[1]) as client:
        response = client.post("/jobs/render", json={"text": "x" * (1 << 20)})
        assert response.status_code == 413, response.text
