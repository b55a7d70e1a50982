"""cordwire_client's jobs API (sync and asyncio) against a real `cordwire serve`."""

from __future__ import annotations

import pathlib

import pytest

from cordwire_client import AsyncClient, Client, NotFoundError

from .conftest import Served


def test_sync_client_jobs(served: Served, keys: tuple[pathlib.Path, str, str]) -> None:
    with Client(served.url, api_key=keys[1]) as client, Client(served.url, api_key=keys[2]) as other:
        job = client.jobs.create("render", {"frames": 1, "text": "sync"})
        assert job["status"] == "queued"
        done = client.jobs.wait(job, timeout=60)
        assert done["status"] == "complete" and done["result"]["frames"] == 1
        assert client.jobs.download(job, "frame-0.txt") == b"sync 0"
        assert client.jobs.download(job["id"], "sub/last.txt") == b"last"
        assert [j["id"] for j in client.jobs.list(name="render")] == [job["id"]]
        assert client.jobs.get(job["id"]) == done
        long = client.jobs.create("wait")
        assert client.jobs.cancel(long)["status"] in ("cancelled", "queued", "running")
        assert client.jobs.wait(long, timeout=60)["status"] == "cancelled"
        with pytest.raises(NotFoundError):
            other.jobs.get(job)
        with pytest.raises(NotFoundError):
            client.jobs.download(job, "../jobs.db")


async def test_async_client_jobs(served: Served, keys: tuple[pathlib.Path, str, str]) -> None:
    async with AsyncClient(served.url, api_key=keys[1]) as client:
        job = await client.jobs.create("add", {"a": 1, "b": 2})
        assert (await client.jobs.wait(job["id"], timeout=60))["result"] == 3
        failed = await client.jobs.wait(await client.jobs.create("fail", {"message": "nope"}))
        assert failed["status"] == "error" and "nope" in failed["error"]
        assert [j["id"] for j in await client.jobs.list(status="error")] == [failed["id"]]
        assert len(await client.jobs.list(limit=1)) == 1
        running = await client.jobs.create("wait")
        assert (await client.jobs.cancel(running))["id"] == running["id"]
        assert (await client.jobs.wait(running))["status"] == "cancelled"
