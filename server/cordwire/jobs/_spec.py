"""A job as declared: ``@chute.job(timeout=..., upload=...)`` on a function, checked once."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any

import pydantic

from cordwire._codes import Code
from cordwire._cords import ChuteDefinitionError
from cordwire._errors import CordError

__all__ = ["OUTPUT_DIR", "JobSpec", "analyse_job"]

OUTPUT_DIR = "output_dir"
"""The parameter cordwire fills with the job's folder; callers cannot pass it."""
RESERVED = frozenset({OUTPUT_DIR, "callback_url"})


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class JobSpec:
    """One job function with what running it needs, worked out at declaration time."""

    name: str
    """The function's name: ``POST /jobs/{name}``."""
    function: Callable[..., Any]
    """The user's function ``(self, **arguments)``."""
    timeout: float | None
    """Seconds the run may take before its status becomes ``timeout``; None: no limit."""
    upload: bool
    """Keep the files the run leaves in ``output_dir`` (otherwise they are discarded)."""
    is_async: bool
    """A coroutine function; a plain one runs in a thread."""
    signature: inspect.Signature
    """The function's signature without ``self``."""
    takes_output_dir: bool
    """It has an ``output_dir`` parameter, or ``**kwargs`` to receive it."""
    adapters: Mapping[str, pydantic.TypeAdapter[Any]]
    """Validators of the annotated parameters, by name."""

    def check_arguments(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments, validated against the signature; INVALID_ARGUMENT (400) when they do not fit."""
        reserved = sorted(RESERVED & arguments.keys())
        if reserved:
            raise CordError(
                Code.INVALID_ARGUMENT,
                f"{reserved[0]!r} is set by cordwire, not by the caller",
                param=reserved[0],
            )
        try:
            bound = self.signature.bind_partial(**arguments)
        except TypeError as exc:
            raise CordError(Code.INVALID_ARGUMENT, f"job {self.name!r}: {exc}") from None
        missing = [
            p.name
            for p in self.signature.parameters.values()
            if p.default is p.empty
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            and p.name not in bound.arguments
            and p.name != OUTPUT_DIR
        ]
        if missing:
            raise CordError(
                Code.INVALID_ARGUMENT, f"job {self.name!r} needs {', '.join(missing)}", param=missing[0]
            )
        checked = dict(arguments)
        for name, value in arguments.items():
            adapter = self.adapters.get(name)
            if adapter is None:
                continue
            try:
                checked[name] = adapter.validate_python(value)
            except pydantic.ValidationError as exc:
                problem = exc.errors()[0]["msg"] if exc.errors() else str(exc)
                raise CordError(Code.INVALID_ARGUMENT, f"{name}: {problem}", param=name) from None
        return checked


def analyse_job(function: Callable[..., Any], *, timeout: float | None, upload: bool) -> JobSpec:
    """A :class:`JobSpec`, or ChuteDefinitionError for a function that cannot be a job."""
    where = f"job {getattr(function, '__qualname__', function)!r}"
    if not callable(function) or not hasattr(function, "__name__"):
        raise ChuteDefinitionError(f"{where}: a job must be a function")
    if inspect.isasyncgenfunction(function) or inspect.isgeneratorfunction(function):
        raise ChuteDefinitionError(f"{where}: a job returns its result; it must not yield")
    if timeout is not None and not timeout > 0:
        raise ChuteDefinitionError(f"{where}: timeout must be a positive number of seconds or None")
    params = list(inspect.signature(function).parameters.values())
    if not params or params[0].kind not in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
        raise ChuteDefinitionError(f"{where}: a job takes the chute as its first parameter (self)")
    rest = params[1:]
    if any(p.kind in (p.POSITIONAL_ONLY, p.VAR_POSITIONAL) for p in rest):
        raise ChuteDefinitionError(
            f"{where}: a job's arguments come by keyword (no *args, no positional-only)"
        )
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # unresolvable annotations: the arguments are passed unchecked
        hints = {}
    adapters: dict[str, pydantic.TypeAdapter[Any]] = {}
    for p in rest:
        hint = hints.get(p.name)
        if p.kind is p.VAR_KEYWORD or p.name == OUTPUT_DIR or hint is None or hint is Any:
            continue
        try:
            adapters[p.name] = pydantic.TypeAdapter(hint)
        except Exception as exc:  # a type pydantic cannot validate
            raise ChuteDefinitionError(f"{where}: parameter {p.name!r}: {exc}") from exc
    return JobSpec(
        name=function.__name__,
        function=function,
        timeout=timeout,
        upload=upload,
        is_async=inspect.iscoroutinefunction(function),
        signature=inspect.Signature(rest),
        takes_output_dir=any(p.name == OUTPUT_DIR or p.kind is p.VAR_KEYWORD for p in rest),
        adapters=adapters,
    )
