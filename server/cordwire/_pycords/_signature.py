"""Reading a seed-style cord's Python signature: what it takes, what it returns, how it streams."""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import inspect
import re
import typing
from collections.abc import Callable, Mapping
from typing import Any

import pydantic

from cordwire._cords import ChuteDefinitionError

from ._request import Depends, Header, Request

__all__ = ["OutputKind", "PyCord", "analyse"]

_JSON_MEDIA = re.compile(r"^application/(.+\+)?json\b")


class OutputKind(enum.Enum):
    """The proto type a cord's result is sent as."""

    STRUCT = "google.protobuf.Struct"
    """``-> dict`` and streamed dicts."""
    VALUE = "google.protobuf.Value"
    """Any other JSON (unannotated, lists, strings, numbers)."""
    EMPTY = "google.protobuf.Empty"
    """``-> None``."""
    HTTP_BODY = "google.api.HttpBody"
    """Bytes with a content type: ``Response``, ``bytes``, a non-JSON ``output_content_type``."""
    MODEL = "model"
    """A pydantic model, synthesized as its own message."""


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class PyCord:
    """A cord declared Python-first (``@chute.cord(public_api_path=...)``), analysed once."""

    function: Callable[..., Any]
    """The user's function, ``(self, ...)``."""
    rpc_name: str
    """The synthesized RPC's name: the function's name in CamelCase."""
    public_api_path: str
    """The HTTP path template (``google.api.http``)."""
    http_method: str
    """Upper-case HTTP verb."""
    input_schema: type[pydantic.BaseModel] | None
    """As given to the decorator."""
    minimal_input_schema: type[pydantic.BaseModel] | None
    """The smallest useful input, recorded for OpenAPI's example; not used to validate."""
    output_content_type: str | None
    """Content type of binary results and streams."""
    stream: bool
    """A server-streaming RPC (the function is a generator)."""
    passthrough: bool
    """Proxy the HTTP request to ``passthrough_port``/``passthrough_path``; the function is not run."""
    passthrough_path: str
    passthrough_port: int
    input_model: type[pydantic.BaseModel] | None
    """The model the input is validated with (None for passthrough cords)."""
    model_param: str | None
    """The parameter that receives the validated model itself (``data: MyInput``)."""
    params: tuple[str, ...]
    """Direct parameters, filled from the validated model's fields."""
    request_param: str | None
    """The parameter typed ``Request``, if any."""
    dependencies: Mapping[str, Depends]
    """Parameters whose default is ``Depends(fn)``."""
    output: OutputKind
    output_model: type[pydantic.BaseModel] | None
    """For ``OutputKind.MODEL``."""

    @property
    def binary_output(self) -> bool:
        return self.output is OutputKind.HTTP_BODY


def camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", name) if part)


def is_json_media(media: str | None) -> bool:
    return media is None or bool(_JSON_MEDIA.match(media.lower()))


def analyse(function: Callable[..., Any], **options: Any) -> PyCord:
    """Check ``function`` against the decorator's options; ChuteDefinitionError when they disagree."""
    where = f"cord {getattr(function, '__qualname__', function)!r}"
    is_gen = inspect.isasyncgenfunction(function) or inspect.isgeneratorfunction(function)
    if options["stream"] != is_gen:
        need = "a generator (`yield`)" if options["stream"] else "a plain function (no `yield`)"
        raise ChuteDefinitionError(f"{where}: stream={options['stream']} needs {need}")
    if options["passthrough"] and not options["passthrough_port"]:
        raise ChuteDefinitionError(f"{where}: passthrough=True needs passthrough_port")
    hints = _hints(function)
    params = list(inspect.signature(function).parameters.values())
    if not params or params[0].kind not in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
        raise ChuteDefinitionError(f"{where}: a cord's first parameter is `self` (the chute)")
    inputs: list[inspect.Parameter] = []
    request_param = None
    dependencies: dict[str, Depends] = {}
    for p in params[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise ChuteDefinitionError(f"{where}: *args/**kwargs cannot be mapped onto a message")
        if _is_request(hints.get(p.name)):
            request_param = p.name
        elif isinstance(p.default, Depends):
            _check_dependency(p.default.dependency, where)
            dependencies[p.name] = p.default
        else:
            inputs.append(p)
    model_param, direct, model = _input(function, options, inputs, hints, where)
    output, output_model = _output(options, hints.get("return", inspect.Parameter.empty))
    return PyCord(
        function=function,
        rpc_name=camel(function.__name__),
        public_api_path=options["public_api_path"] or f"/{function.__name__}",
        http_method=options["method"].upper(),
        input_schema=options["input_schema"],
        minimal_input_schema=options["minimal_input_schema"],
        output_content_type=options["output_content_type"],
        stream=options["stream"] or options["passthrough"],
        passthrough=options["passthrough"],
        passthrough_path=options["passthrough_path"] or options["public_api_path"] or "/",
        passthrough_port=options["passthrough_port"] or 0,
        input_model=None if options["passthrough"] else model,
        model_param=model_param,
        params=direct,
        request_param=request_param,
        dependencies=dependencies,
        output=output,
        output_model=output_model,
    )


def _hints(function: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(function, include_extras=True)
    except Exception as exc:  # NameError mostly: a string annotation naming a class local to a function
        # Guessing (say, "any JSON") would silently drop validation, so the definition fails instead.
        raise ChuteDefinitionError(
            f"cannot resolve the annotations of {getattr(function, '__qualname__', function)!r} ({exc}); "
            "define the types they name at module level"
        ) from None


def _is_request(annotation: Any) -> bool:
    # Ours, or FastAPI's/starlette's `Request` by name, so seed code keeps its annotation.
    return annotation is Request or (isinstance(annotation, type) and annotation.__name__ == "Request")


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel)


def _input(
    function: Callable[..., Any],
    options: Mapping[str, Any],
    inputs: list[inspect.Parameter],
    hints: Mapping[str, Any],
    where: str,
) -> tuple[str | None, tuple[str, ...], type[pydantic.BaseModel] | None]:
    schema = options["input_schema"]
    if options["passthrough"]:
        return None, (), None
    if schema is not None:
        if len(inputs) != 1:
            raise ChuteDefinitionError(f"{where}: with input_schema the function takes one input parameter")
        return inputs[0].name, (), schema
    if len(inputs) == 1 and _is_model(hints.get(inputs[0].name)):
        return inputs[0].name, (), hints[inputs[0].name]
    fields: dict[str, Any] = {}
    for p in inputs:
        annotation = hints.get(p.name, Any)
        fields[p.name] = (annotation, ... if p.default is p.empty else p.default)
    model = pydantic.create_model(
        f"{camel(function.__name__)}Request",
        __config__=pydantic.ConfigDict(arbitrary_types_allowed=True),
        **fields,
    )
    return None, tuple(fields), typing.cast(type[pydantic.BaseModel], model)


def _output(
    options: Mapping[str, Any], annotation: Any
) -> tuple[OutputKind, type[pydantic.BaseModel] | None]:
    if options["passthrough"] or not is_json_media(options["output_content_type"]):
        return OutputKind.HTTP_BODY, None
    if options["stream"]:
        args = typing.get_args(annotation)
        annotation = args[0] if args else dict
    origin = typing.get_origin(annotation) or annotation
    if annotation is None or annotation is type(None):
        return OutputKind.EMPTY, None
    if _is_model(annotation):
        return OutputKind.MODEL, annotation
    if origin in (dict, collections.abc.Mapping, collections.abc.MutableMapping):
        return OutputKind.STRUCT, None
    if annotation in (bytes, bytearray) or _is_response_type(annotation):
        return OutputKind.HTTP_BODY, None
    return OutputKind.VALUE, None


def _is_response_type(annotation: Any) -> bool:
    return isinstance(annotation, type) and any(c.__name__.endswith("Response") for c in annotation.__mro__)


def _check_dependency(dependency: Callable[..., Any], where: str) -> None:
    hints = _hints(dependency)
    for p in inspect.signature(dependency).parameters.values():
        ok = isinstance(p.default, Header | Depends) or _is_request(hints.get(p.name))
        if not ok and p.default is p.empty:
            raise ChuteDefinitionError(
                f"{where}: dependency {dependency.__name__}'s parameter {p.name!r} needs a "
                "Header(...) or Depends(...) default, or a Request annotation"
            )
