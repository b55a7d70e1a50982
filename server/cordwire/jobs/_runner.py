"""Running one job: the function with its arguments and output_dir, bounded by its timeout."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import pathlib
from typing import Any

from cordwire._errors import CordError

from ._files import OutputTooLarge, discard, list_outputs
from ._options import JobsOptions
from ._records import JobRecord, Status, now
from ._spec import OUTPUT_DIR, JobSpec

__all__ = ["Outcome", "run_job"]

log = logging.getLogger("cordwire.jobs")

SHUTDOWN = "the server shut down before the job finished"


class Outcome:
    """How a run ended, before it is stored."""

    __slots__ = ("error", "result", "status")

    def __init__(self, status: Status, result: Any = None, error: str | None = None) -> None:
        self.status = status
        self.result = result
        self.error = error


async def call_job(spec: JobSpec, owner: object, arguments: dict[str, Any], folder: pathlib.Path) -> Any:
    kwargs = spec.check_arguments(arguments)  # again: stored as JSON, validated values may not be
    if spec.takes_output_dir:
        kwargs[OUTPUT_DIR] = str(folder)
    if spec.is_async:
        return await spec.function(owner, **kwargs)
    # A thread cannot be stopped: cancelled or timed out, the job's status says so at once and
    # the thread's eventual result is dropped.
    return await asyncio.to_thread(spec.function, owner, **kwargs)


async def run_job(
    task: asyncio.Task[Any], spec: JobSpec, record: JobRecord, *, shutdown: asyncio.Event
) -> Outcome:
    """Await ``task`` (the call) within the spec's timeout; a cancel of ``task`` ends it ``cancelled``."""
    limit = asyncio.timeout(spec.timeout)
    try:
        async with limit:
            result = await task
    except TimeoutError as exc:
        if not limit.expired():  # the job's own TimeoutError (a call of its that timed out)
            return _error(record, exc)
        return Outcome(
            Status.TIMEOUT, error=f"the job did not finish within its timeout of {spec.timeout:g}s"
        )
    except asyncio.CancelledError:
        if shutdown.is_set():
            return Outcome(Status.INTERRUPTED, error=SHUTDOWN)
        return Outcome(Status.CANCELLED)
    except CordError as error:
        return Outcome(Status.ERROR, error=error.message)
    except Exception as exc:
        return _error(record, exc)
    try:
        result = json.loads(json.dumps(result))
    except (TypeError, ValueError):
        return Outcome(Status.ERROR, error=f"the job returned a {type(result).__name__}, which is not JSON")
    return Outcome(Status.COMPLETE, result=result)


def _error(record: JobRecord, exc: BaseException) -> Outcome:
    # The traceback stays in the server's log; the caller gets the exception's message.
    log.warning("job %s (%s) raised", record.id, record.name, exc_info=exc)
    return Outcome(Status.ERROR, error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


def finish(
    record: JobRecord, outcome: Outcome, spec: JobSpec | None, folder: pathlib.Path, options: JobsOptions
) -> JobRecord:
    """The final record, with the files kept (``upload``) within the limits, or discarded."""
    names: tuple[str, ...] = ()
    if spec is not None and spec.upload:
        try:
            names = list_outputs(folder, options.max_output_files, options.max_output_bytes)
        except OutputTooLarge as exc:
            discard(folder)
            if outcome.status is Status.COMPLETE:
                outcome = Outcome(Status.ERROR, error=str(exc))
    else:
        discard(folder)
    if not names:
        with contextlib.suppress(OSError):
            folder.rmdir()  # an empty folder is nothing to keep
    return record.replace(
        status=outcome.status,
        result=outcome.result,
        error=outcome.error,
        finished_at=now(),
        output_filenames=names,
        cancel_requested=False,
    )
