"""How `cordwire serve` runs a chute's jobs: where they are kept and what bounds them."""

from __future__ import annotations

import dataclasses
import os
import pathlib

from cordwire.server.admission import resolve_keys_db

__all__ = ["JobsOptions", "default_jobs_dir"]


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class JobsOptions:
    folder: pathlib.Path
    """Records (``jobs.db``) and output files (``files/{chute}/{job id}/``)."""
    redis_url: str | None = None
    """Share the queue and the records with other replicas through Redis; None: this process only."""
    max_running: int = 1
    """Jobs of the chute running at once in this process."""
    max_queued: int = 100
    """Jobs of the chute waiting to run; one more is refused with 429 and Retry-After."""
    max_output_files: int = 1000
    """Files one run may leave in its output_dir (more: status ``error``, files discarded)."""
    max_output_bytes: int = 1 << 30
    """Total bytes of one run's files."""
    allow_private_callbacks: bool = False
    """Let ``callback_url`` name loopback, private and link-local addresses (off: SSRF)."""
    callback_attempts: int = 5
    """POSTs of the final record before giving up, with doubling delays from one second."""
    lease_seconds: float = 15.0
    """Redis: a running job whose replica has not renewed its lease this long is ``interrupted``."""

    @property
    def files(self) -> pathlib.Path:
        return self.folder / "files"


def default_jobs_dir(keys_db: str | None = None) -> pathlib.Path:
    """``$CORDWIRE_JOBS_DIR``, else ``jobs/`` beside the keys database."""
    chosen = os.environ.get("CORDWIRE_JOBS_DIR")
    if chosen:
        return pathlib.Path(chosen).expanduser()
    return resolve_keys_db(keys_db).parent / "jobs"
