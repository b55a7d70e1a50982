"""A job's record: what the stores keep, what callers read (as a ``cordwire.v1.Job``)."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import secrets
import time
from typing import Any

from google.protobuf import json_format, struct_pb2

from cordwire.v1 import jobs_pb2

__all__ = ["JobRecord", "Status", "new_job_id", "rfc3339"]


class Status(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETE = "complete"
    ERROR = "error"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"
    INTERRUPTED = "interrupted"

    @property
    def final(self) -> bool:
        return self not in (Status.QUEUED, Status.RUNNING)


def new_job_id() -> str:
    # Unguessable: ids travel in URLs and logs, and a job is found by id before its owner is checked.
    return "job_" + secrets.token_hex(12)


def rfc3339(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class JobRecord:
    """One run of a job, from queued to its final status."""

    id: str
    """``job_`` and 24 hex digits."""
    chute: str
    """The chute id it belongs to."""
    owner: str
    """The API key's id that created it (``anonymous`` without auth): nobody else sees it."""
    name: str
    """The job function's name."""
    status: Status
    arguments: dict[str, Any]
    """The keyword arguments, as checked at creation."""
    callback_url: str = ""
    """Where the final record is POSTed; empty for none."""
    result: Any = None
    """What the function returned (JSON)."""
    error: str | None = None
    """Why it failed, a message."""
    created_at: float = 0.0
    """Unix seconds."""
    started_at: float | None = None
    finished_at: float | None = None
    output_filenames: tuple[str, ...] = ()
    seq: int = 0
    """Creation order within the store: lists are newest first by it."""
    cancel_requested: bool = False
    """A cancel reached a running job; its runner ends it."""
    runner: str = ""
    """The process that queued or runs it (SQLite: whose liveness lock decides ``interrupted``)."""

    def to_message(self) -> jobs_pb2.Job:
        return jobs_pb2.Job(
            id=self.id,
            name=self.name,
            status=self.status.value,
            result=_value(self.result),
            error=_value(self.error),
            created_at=rfc3339(self.created_at) or "",
            started_at=_value(rfc3339(self.started_at)),
            finished_at=_value(rfc3339(self.finished_at)),
            output_filenames=list(self.output_filenames),
        )

    def public(self) -> dict[str, Any]:
        """The record as callers read it over HTTP (and as a callback receives it)."""
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status.value,
            "result": self.result,
            "error": self.error,
            "created_at": rfc3339(self.created_at),
            "started_at": rfc3339(self.started_at),
            "finished_at": rfc3339(self.finished_at),
            "output_filenames": list(self.output_filenames),
        }

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        data["output_filenames"] = list(self.output_filenames)
        return json.dumps(data, separators=(",", ":"))

    @staticmethod
    def from_json(text: str | bytes) -> JobRecord:
        data = json.loads(text)
        data["status"] = Status(data["status"])
        data["output_filenames"] = tuple(data["output_filenames"])
        return JobRecord(**data)

    def replace(self, **changes: Any) -> JobRecord:
        return dataclasses.replace(self, **changes)


def now() -> float:
    return time.time()


def _value(data: Any) -> struct_pb2.Value:
    value = struct_pb2.Value()
    if data is None:
        value.null_value = struct_pb2.NULL_VALUE
        return value
    return json_format.ParseDict(data, value)
