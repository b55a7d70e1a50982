"""FastAPI's and Starlette's types, recognised by class name and module, never imported.

Seed code writes ``from fastapi import HTTPException, Depends, Header, UploadFile, ...``; cordwire
must understand those objects without depending on FastAPI. A class counts as FastAPI's
``Name`` when a class in its MRO is called ``Name`` and lives in ``fastapi`` or ``starlette``
(FastAPI re-exports Starlette's classes and subclasses a few: ``fastapi.UploadFile`` is a
``starlette.datastructures.UploadFile``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = [
    "dependency_of",
    "foreign_http_exception",
    "header_spec",
    "is_foreign",
    "is_foreign_type",
]

_OWNERS = frozenset({"fastapi", "starlette"})


def is_foreign_type(cls: object, name: str) -> bool:
    """Whether ``cls`` is (a subclass of) FastAPI's/Starlette's class ``name``."""
    if not isinstance(cls, type):
        return False
    return any(c.__name__ == name and c.__module__.partition(".")[0] in _OWNERS for c in cls.__mro__)


def is_foreign(value: object, name: str) -> bool:
    """Whether ``value`` is an instance of FastAPI's/Starlette's class ``name``."""
    return is_foreign_type(type(value), name)


def foreign_http_exception(exc: BaseException) -> tuple[int, Any, dict[str, str] | None] | None:
    """``(status_code, detail, headers)`` of a FastAPI/Starlette HTTPException, else None."""
    if not is_foreign(exc, "HTTPException"):
        return None
    status = getattr(exc, "status_code", 500)
    headers = getattr(exc, "headers", None)
    return int(status), getattr(exc, "detail", None), dict(headers) if headers else None


def dependency_of(default: object) -> Callable[..., Any] | None:
    """The function behind a ``Depends(fn)`` default (ours or FastAPI's), else None."""
    from ._request import Depends

    if isinstance(default, Depends):
        return default.dependency
    if is_foreign(default, "Depends"):
        dependency = getattr(default, "dependency", None)
        return dependency if callable(dependency) else None
    return None


def header_spec(name: str, default: object) -> tuple[str, Any, bool] | None:
    """For a ``Header(...)`` default (ours or FastAPI's): ``(header name, default, required)``.

    FastAPI reads parameter ``user_agent`` from header ``user-agent`` (``convert_underscores``)
    unless an ``alias`` names the header.
    """
    from ._request import Header

    if isinstance(default, Header):
        return name.replace("_", "-").lower(), default.default, default.default is ...
    if not is_foreign(default, "Header"):
        return None
    alias = getattr(default, "alias", None)
    header = alias or (name.replace("_", "-") if getattr(default, "convert_underscores", True) else name)
    value = getattr(default, "default", None)
    required = value is ... or type(value).__name__ == "PydanticUndefinedType"
    return str(header).lower(), None if required else value, required
