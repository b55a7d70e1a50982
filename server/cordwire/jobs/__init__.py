"""Jobs: long-running work of a chute (``@chute.job``), queued, persisted, cancellable, with files.

Served as the ``cordwire.v1.Jobs`` gRPC service beside the chute's own; its google.api.http rules
are the ``/jobs`` routes. Records and files live in a folder (SQLite) or, across replicas, in Redis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._options import JobsOptions, default_jobs_dir
from ._records import JobRecord, Status
from ._service import JobsRuntime, OwnerOf
from ._spec import JobSpec, analyse_job

if TYPE_CHECKING:
    from cordwire._chute import Chute
    from cordwire.server import AttachedService

__all__ = [
    "JOBS_SERVICE_NAME",
    "JobRecord",
    "JobSpec",
    "JobsOptions",
    "JobsRuntime",
    "OwnerOf",
    "Status",
    "analyse_job",
    "attach_jobs",
    "default_jobs_dir",
]

JOBS_SERVICE_NAME = "cordwire.v1.Jobs"


def attach_jobs(chute: Chute, options: JobsOptions, owner_of: OwnerOf | None = None) -> AttachedService:
    """The jobs service of ``chute`` for ChuteServer(attached=...); ``owner_of`` defaults to anonymous."""
    from cordwire.server import AttachedService

    from ._handlers import JOBS_SERVICE, jobs_cords

    runtime = JobsRuntime(chute, options, owner_of or (lambda _metadata: "anonymous"))
    return AttachedService(
        service=JOBS_SERVICE, cords=jobs_cords(), owner=runtime, start=runtime.start, stop=runtime.stop
    )
