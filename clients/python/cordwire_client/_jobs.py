"""``client.jobs``: create, read, list, cancel, wait for and download a chute's jobs (``/jobs``)."""

from __future__ import annotations

import time
import urllib.parse
from typing import TYPE_CHECKING, Any

from ._errors import APIConnectionError, APITimeoutError, ServiceUnavailableError

if TYPE_CHECKING:
    from ._async import AsyncClient
    from ._sync import Client

__all__ = ["FINAL_STATUSES", "AsyncJobs", "Jobs"]

FINAL_STATUSES = frozenset({"complete", "error", "cancelled", "timeout", "interrupted"})
"""A job in one of these has ended; its record no longer changes."""


def _id(job: str | dict[str, Any]) -> str:
    job_id = job["id"] if isinstance(job, dict) else job
    return urllib.parse.quote(str(job_id), safe="")


def _create_body(arguments: dict[str, Any] | None, callback_url: str | None) -> dict[str, Any]:
    body = dict(arguments or {})
    if callback_url:
        body["callback_url"] = callback_url
    return body


def _query(status: str | None, name: str | None, limit: int | None, after: str | None) -> str:
    pairs = {"status": status, "name": name, "limit": limit, "after": after}
    query = urllib.parse.urlencode({k: v for k, v in pairs.items() if v is not None})
    return f"/jobs?{query}" if query else "/jobs"


def _file_path(job: str | dict[str, Any], path: str) -> str:
    return f"/jobs/{_id(job)}/files/{urllib.parse.quote(path.lstrip('/'), safe='/')}"


def _timed_out(job_id: str, timeout: float) -> APITimeoutError:
    return APITimeoutError(f"job {job_id} did not end within {timeout:g}s")


class Jobs:
    """The jobs of the chute a :class:`Client` points at; records are dicts as the server sends them."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self, name: str, arguments: dict[str, Any] | None = None, *, callback_url: str | None = None
    ) -> dict[str, Any]:
        """Queue a run of job ``name`` with keyword ``arguments``; its record (status ``queued``)."""
        path = f"/jobs/{urllib.parse.quote(name, safe='')}"
        return self._client.call(path, _create_body(arguments, callback_url), method="POST")

    def get(self, job: str | dict[str, Any]) -> dict[str, Any]:
        return self._client.call(f"/jobs/{_id(job)}", method="GET")

    def list(
        self,
        *,
        status: str | None = None,
        name: str | None = None,
        limit: int | None = None,
        after: str | None = None,
    ) -> list[dict[str, Any]]:
        """Your jobs, newest first; pass the last one's id as ``after`` for the next page."""
        data: list[dict[str, Any]] = self._client.call(_query(status, name, limit, after), method="GET")[
            "data"
        ]
        return data

    def cancel(self, job: str | dict[str, Any]) -> dict[str, Any]:
        return self._client.call(f"/jobs/{_id(job)}", method="DELETE")

    def wait(self, job: str | dict[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
        """The record once the job has ended, following its events (reconnecting when idle)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        record = self.get(job)
        while record["status"] not in FINAL_STATUSES:
            if deadline is not None and time.monotonic() >= deadline:
                raise _timed_out(record["id"], timeout or 0)
            try:
                for event in self._client.stream(f"/jobs/{_id(job)}/events", method="GET"):
                    record = event
            except (APIConnectionError, ServiceUnavailableError):
                # No change for a whole read timeout, a dropped stream, or a server shutting down:
                # read the record again (with the client's retries) and follow it anew.
                record = self.get(job)
        return record

    def download(self, job: str | dict[str, Any], path: str) -> bytes:
        """The bytes of one of the job's ``output_filenames``."""
        response = self._client._send("GET", _file_path(job, path), None, None, stream=False)
        return response.content


class AsyncJobs:
    """The asyncio twin of :class:`Jobs`, as ``AsyncClient.jobs``."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self, name: str, arguments: dict[str, Any] | None = None, *, callback_url: str | None = None
    ) -> dict[str, Any]:
        path = f"/jobs/{urllib.parse.quote(name, safe='')}"
        return await self._client.call(path, _create_body(arguments, callback_url), method="POST")

    async def get(self, job: str | dict[str, Any]) -> dict[str, Any]:
        return await self._client.call(f"/jobs/{_id(job)}", method="GET")

    async def list(
        self,
        *,
        status: str | None = None,
        name: str | None = None,
        limit: int | None = None,
        after: str | None = None,
    ) -> list[dict[str, Any]]:
        page = await self._client.call(_query(status, name, limit, after), method="GET")
        data: list[dict[str, Any]] = page["data"]
        return data

    async def cancel(self, job: str | dict[str, Any]) -> dict[str, Any]:
        return await self._client.call(f"/jobs/{_id(job)}", method="DELETE")

    async def wait(self, job: str | dict[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
        deadline = None if timeout is None else time.monotonic() + timeout
        record = await self.get(job)
        while record["status"] not in FINAL_STATUSES:
            if deadline is not None and time.monotonic() >= deadline:
                raise _timed_out(record["id"], timeout or 0)
            try:
                async for event in self._client.stream(f"/jobs/{_id(job)}/events", method="GET"):
                    record = event
            except (APIConnectionError, ServiceUnavailableError):
                record = await self.get(job)
        return record

    async def download(self, job: str | dict[str, Any], path: str) -> bytes:
        response = await self._client._send("GET", _file_path(job, path), None, None, stream=False)
        return response.content
