"""The cordwire.v1.Jobs RPCs: the same handlers answer gRPC and the transcoded ``/jobs`` routes."""

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import AsyncIterator, Callable
from typing import Any

from google.api import httpbody_pb2
from google.protobuf import json_format

from cordwire._codes import Code
from cordwire._context import CordContext
from cordwire._cords import Cord, bind_cord
from cordwire._errors import CordError
from cordwire.v1 import jobs_pb2

from ._backend import ListQuery
from ._callbacks import check_callback_url
from ._files import resolve_output
from ._records import JobRecord, Status, new_job_id, now
from ._service import JobsRuntime

__all__ = ["JOBS_SERVICE", "jobs_cords"]

JOBS_SERVICE = jobs_pb2.DESCRIPTOR.services_by_name["Jobs"]
MAX_LIST = 100
CANCEL_WAIT = 5.0
"""Seconds DELETE waits for a running job's task to end, so that it can answer ``cancelled``."""
QUEUE_FULL_RETRY_AFTER = "5"
REREAD = 2.0


async def _owned(jobs: JobsRuntime, job_id: str, ctx: CordContext) -> JobRecord:
    record = await jobs.backend.get(job_id) if job_id else None
    # Someone else's job answers exactly like a missing one: ids are not confirmed to strangers.
    if record is None or record.owner != jobs.owner_of(ctx.metadata):
        raise CordError(Code.NOT_FOUND, f"no job {job_id!r}", param="id", reason="job_not_found")
    return record


def _plain(value: Any) -> Any:
    # Struct numbers are doubles: 3 arrives as 3.0, and a job's `epochs` wants 3.
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


async def create_job(jobs: JobsRuntime, request: jobs_pb2.CreateJobRequest, ctx: CordContext) -> jobs_pb2.Job:
    spec = jobs.specs.get(request.name)
    if spec is None:
        known = ", ".join(sorted(jobs.specs)) or "none"
        raise CordError(Code.NOT_FOUND, f"no job named {request.name!r} (jobs: {known})", param="name")
    arguments = _plain(json_format.MessageToDict(request.arguments))
    callback_url = request.callback_url or arguments.pop("callback_url", "")
    if not isinstance(callback_url, str):
        raise CordError(Code.INVALID_ARGUMENT, "callback_url must be a string", param="callback_url")
    spec.check_arguments(arguments)  # before queueing: a bad call never becomes a failed job
    if callback_url:
        await check_callback_url(callback_url, allow_private=jobs.options.allow_private_callbacks)
    record = JobRecord(
        id=new_job_id(),
        chute=jobs.chute_id,
        owner=jobs.owner_of(ctx.metadata),
        name=spec.name,
        status=Status.QUEUED,
        arguments=arguments,
        callback_url=callback_url,
        created_at=now(),
    )
    stored = await jobs.backend.create(record, jobs.options.max_queued)
    if stored is None:
        raise CordError(
            Code.RESOURCE_EXHAUSTED,
            f"chute {jobs.chute_id} already has {jobs.options.max_queued} jobs queued; retry later",
            reason="job_queue_full",
            headers={"Retry-After": QUEUE_FULL_RETRY_AFTER},
        )
    return stored.to_message()


async def get_job(jobs: JobsRuntime, request: jobs_pb2.GetJobRequest, ctx: CordContext) -> jobs_pb2.Job:
    return (await _owned(jobs, request.id, ctx)).to_message()


async def list_jobs(
    jobs: JobsRuntime, request: jobs_pb2.ListJobsRequest, ctx: CordContext
) -> jobs_pb2.ListJobsResponse:
    status = None
    if request.status:
        try:
            status = Status(request.status)
        except ValueError:
            names = ", ".join(s.value for s in Status)
            raise CordError(Code.INVALID_ARGUMENT, f"status must be one of {names}", param="status") from None
    if request.limit < 0:
        raise CordError(Code.INVALID_ARGUMENT, "limit must not be negative", param="limit")
    before = None
    if request.after:
        try:
            before = (await _owned(jobs, request.after, ctx)).seq
        except CordError:
            raise CordError(
                Code.INVALID_ARGUMENT, f"no job {request.after!r} to list after", param="after"
            ) from None
    query = ListQuery(
        owner=jobs.owner_of(ctx.metadata),
        status=status,
        name=request.name,
        limit=min(request.limit or 20, MAX_LIST),
        before_seq=before,
    )
    records, more = await jobs.backend.list(query)
    return jobs_pb2.ListJobsResponse(data=[r.to_message() for r in records], has_more=more)


async def cancel_job(jobs: JobsRuntime, request: jobs_pb2.CancelJobRequest, ctx: CordContext) -> jobs_pb2.Job:
    record = await _owned(jobs, request.id, ctx)
    with jobs.hub.watch(record.id) as changes:
        while not record.status.final:
            if record.status is Status.QUEUED:
                cancelled = record.replace(status=Status.CANCELLED, finished_at=now())
                if await jobs.backend.transition(cancelled, expect=(Status.QUEUED,)):
                    return cancelled.to_message()
            else:
                asking = record.replace(cancel_requested=True)
                if await jobs.backend.transition(asking, expect=(Status.RUNNING,)):
                    await jobs.backend.request_cancel(asking)
                    record = await _wait_final(jobs, changes, asking)
                    break
            record = await _owned(jobs, request.id, ctx)  # it changed meanwhile: look again
    return record.to_message()


async def _wait_final(jobs: JobsRuntime, changes: asyncio.Queue[JobRecord], record: JobRecord) -> JobRecord:
    try:
        async with asyncio.timeout(CANCEL_WAIT):
            while not record.status.final:
                record = await _next(jobs, changes, record)
    except TimeoutError:
        pass  # a task that ignores cancellation (a sync job's thread); the record says running
    return record


async def _next(jobs: JobsRuntime, changes: asyncio.Queue[JobRecord], record: JobRecord) -> JobRecord:
    """The record's next version: from the hub, or read again after a quiet REREAD seconds (a
    change made by another process on the same jobs folder reaches no hub here)."""
    change = asyncio.ensure_future(changes.get())
    closing = asyncio.ensure_future(jobs.closing.wait())
    try:
        await asyncio.wait((change, closing), timeout=REREAD, return_when=asyncio.FIRST_COMPLETED)
    finally:
        closing.cancel()
        if not change.done():
            change.cancel()
    if change.done() and not change.cancelled():
        return change.result()
    if jobs.closing.is_set():
        raise CordError(
            Code.UNAVAILABLE,
            f"the server is shutting down; job {record.id} is {record.status.value}: watch it again",
            headers={"Retry-After": "1"},
        )
    return await jobs.backend.get(record.id) or record


async def watch_job(
    jobs: JobsRuntime, request: jobs_pb2.WatchJobRequest, ctx: CordContext
) -> AsyncIterator[jobs_pb2.Job]:
    with jobs.hub.watch(request.id) as changes:  # before reading: no change can slip between
        record = await _owned(jobs, request.id, ctx)
        yield record.to_message()
        while not record.status.final:
            latest = await _next(jobs, changes, record)
            if latest.status is not record.status:
                yield latest.to_message()
            record = latest


async def get_job_file(
    jobs: JobsRuntime, request: jobs_pb2.GetJobFileRequest, ctx: CordContext
) -> httpbody_pb2.HttpBody:
    record = await _owned(jobs, request.id, ctx)
    path = resolve_output(jobs.folder(record.id), record.output_filenames, request.path)
    data = await asyncio.to_thread(path.read_bytes)
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return httpbody_pb2.HttpBody(content_type=content_type, data=data)


_HANDLERS: dict[str, Callable[..., Any]] = {
    "CreateJob": create_job,
    "GetJob": get_job,
    "ListJobs": list_jobs,
    "CancelJob": cancel_job,
    "WatchJob": watch_job,
    "GetJobFile": get_job_file,
}


def jobs_cords() -> dict[str, Cord]:
    return {name: bind_cord(JOBS_SERVICE.methods_by_name[name], h) for name, h in _HANDLERS.items()}
