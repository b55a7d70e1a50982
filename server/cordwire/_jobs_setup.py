"""The jobs `cordwire serve` runs for a chute that declares some, from its options."""

from __future__ import annotations

from collections.abc import Mapping

from ._chute import Chute
from .jobs import JobsOptions, attach_jobs, default_jobs_dir
from .server import AttachedService
from .server.admission import ANONYMOUS, Admission

__all__ = ["build_jobs"]


def build_jobs(
    chute: Chute,
    options: JobsOptions | None,
    admission: Admission,
    *,
    keys_db: str | None,
    redis_url: str | None,
) -> tuple[AttachedService, ...]:
    """Nothing for a chute without jobs; otherwise its jobs service, owned per API key."""
    if not chute.jobs:
        return ()
    if options is None:
        options = JobsOptions(folder=default_jobs_dir(keys_db), redis_url=redis_url)

    def owner_of(metadata: Mapping[str, str]) -> str:
        # The call was admitted already; this names its key (the same for every call with it).
        principal = admission.authenticator.authenticate(metadata, chute.chute_id)
        return principal.key_id or ANONYMOUS

    return (attach_jobs(chute, options, owner_of),)
