"""A run's output folder: listing what it left, bounding it, and serving one file safely."""

from __future__ import annotations

import pathlib
import shutil

from cordwire._codes import Code
from cordwire._errors import CordError

__all__ = ["OutputTooLarge", "list_outputs", "resolve_output"]


class OutputTooLarge(Exception):
    """The run left more files or bytes than the limits allow."""


def list_outputs(folder: pathlib.Path, max_files: int, max_bytes: int) -> tuple[str, ...]:
    """Regular files under ``folder`` as sorted relative POSIX paths; symlinks are not outputs."""
    names: list[str] = []
    total = 0
    if not folder.is_dir():
        return ()
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        names.append(path.relative_to(folder).as_posix())
        total += path.stat().st_size
        if len(names) > max_files:
            raise OutputTooLarge(f"the job left more than {max_files} output files")
        if total > max_bytes:
            raise OutputTooLarge(f"the job's output files exceed {max_bytes} bytes")
    return tuple(names)


def discard(folder: pathlib.Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def resolve_output(folder: pathlib.Path, listed: tuple[str, ...], path: str) -> pathlib.Path:
    """The file ``path`` of a run whose folder is ``folder``; NOT_FOUND for anything it did not list.

    Only listed names are served, and the resolved path must stay inside the folder, so ``..``,
    absolute paths and links planted after the listing all fail the same way.
    """
    not_found = CordError(Code.NOT_FOUND, f"the job has no output file {path!r}", param="path")
    if path not in listed:
        raise not_found
    root = folder.resolve()
    target = (root / path).resolve()
    if not target.is_relative_to(root):
        raise not_found
    if not target.is_file():  # listed, yet not here: written on another replica's disk
        raise CordError(
            Code.NOT_FOUND,
            f"output file {path!r} is not on this server: the job ran on another replica whose "
            "--jobs-dir is not shared with this one",
            param="path",
        )
    return target
