"""Finding the Chute a `cordwire serve TARGET` names: `module:attr` or `path/to/file.py:attr`."""

from __future__ import annotations

import importlib
import importlib.util
import pathlib
import sys

from cordwire._errors import DefinitionError

from ._chute import Chute

__all__ = ["DEFAULT_TARGET", "TargetError", "load_target"]

DEFAULT_TARGET = "cordwire.demo:chute"


class TargetError(DefinitionError):
    """The target does not name a Chute."""


def load_target(target: str) -> Chute:
    module_part, sep, attr = target.rpartition(":")
    if not sep or not module_part or not attr:
        raise TargetError(f"target {target!r} must look like module:attr or path/to/file.py:attr")
    if module_part.endswith(".py") or "/" in module_part:
        path = pathlib.Path(module_part).resolve()
        if not path.is_file():
            raise TargetError(f"target {target!r}: no file {path}")
        name = f"_cordwire_target_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise TargetError(f"target {target!r}: cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(module_part)
        except ModuleNotFoundError as exc:
            raise TargetError(f"target {target!r}: {exc}") from exc
    try:
        chute = getattr(module, attr)
    except AttributeError:
        raise TargetError(f"target {target!r}: {module_part} has no attribute {attr!r}") from None
    if not isinstance(chute, Chute):
        raise TargetError(f"target {target!r} is a {type(chute).__name__}, not a cordwire.Chute")
    return chute
