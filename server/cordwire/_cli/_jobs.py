"""`cordwire serve`'s jobs options (used only when the chute declares jobs)."""

from __future__ import annotations

import argparse
import os
import pathlib

from cordwire.jobs import JobsOptions, default_jobs_dir

__all__ = ["add_jobs_options", "jobs_options"]


def add_jobs_options(command: argparse.ArgumentParser) -> None:
    group = command.add_argument_group("jobs (chutes with @chute.job)")
    group.add_argument(
        "--jobs-dir",
        metavar="PATH",
        default=os.environ.get("CORDWIRE_JOBS_DIR"),
        help="job records (SQLite) and output files (default: jobs/ beside the keys DB; "
        "env CORDWIRE_JOBS_DIR)",
    )
    group.add_argument(
        "--jobs-max-running", type=int, default=1, metavar="N", help="jobs running at once (default 1)"
    )
    group.add_argument(
        "--jobs-max-queued", type=int, default=100, metavar="N", help="jobs waiting before 429 (default 100)"
    )
    group.add_argument(
        "--jobs-max-files", type=int, default=1000, metavar="N", help="output files per job (default 1000)"
    )
    group.add_argument(
        "--jobs-max-output-bytes",
        type=int,
        default=1 << 30,
        metavar="BYTES",
        help="total output bytes per job (default 1 GiB)",
    )
    group.add_argument(
        "--jobs-allow-private-callbacks",
        action="store_true",
        help="let callback_url reach loopback and private addresses (default: refused)",
    )


def jobs_options(args: argparse.Namespace) -> JobsOptions:
    for flag in ("jobs_max_running", "jobs_max_queued", "jobs_max_files", "jobs_max_output_bytes"):
        if getattr(args, flag) < 1:
            raise ValueError(f"--{flag.replace('_', '-')} must be at least 1")
    folder = pathlib.Path(args.jobs_dir).expanduser() if args.jobs_dir else default_jobs_dir(args.keys_db)
    return JobsOptions(
        folder=folder,
        redis_url=args.redis,
        max_running=args.jobs_max_running,
        max_queued=args.jobs_max_queued,
        max_output_files=args.jobs_max_files,
        max_output_bytes=args.jobs_max_output_bytes,
        allow_private_callbacks=args.jobs_allow_private_callbacks,
    )
