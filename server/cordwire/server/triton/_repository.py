"""A Triton model repository as a chute declares it."""

from __future__ import annotations

import pathlib

__all__ = ["model_names"]


def model_names(repository: pathlib.Path) -> tuple[str, ...]:
    """The models of ``repository``: its subdirectories holding a ``config.pbtxt``, sorted."""
    if not repository.is_dir():
        raise FileNotFoundError(f"Triton model repository {repository} is not a directory")
    return tuple(sorted(p.name for p in repository.iterdir() if (p / "config.pbtxt").is_file()))
