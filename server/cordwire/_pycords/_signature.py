"""Reading a seed-style cord's Python signature: what it takes, what it returns, how it streams."""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import pydantic

from cordwire._cords import ChuteDefinitionError

from ._foreign import dependency_of, header_spec, is_foreign_type
from ._request import Depends, Request, UploadFile

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
    """A server-streaming RPC (a generator, a StreamingResponse, or a passthrough)."""
    stream_declared: bool
    """The decorator's own ``stream=`` (passthrough cords stream whatever it says)."""
    passthrough: bool
    """Proxy the HTTP request to ``passthrough_port``/``passthrough_path``; the function is not run."""
    passthrough_path: str
    passthrough_port: int
    """Chutes' default is 8000."""
    passthrough_headers: Mapping[str, str]
    """Extra headers sent with every passthrough request."""
    output_schema: type[pydantic.BaseModel] | None
    """Chutes' ``output_schema``: results are validated with it; it is the OpenAPI response schema."""
    timeout: float | None
    """Seconds a call may run (``CordOptions.timeout_ms``); None: no limit of its own."""
    max_body_bytes: int
    """Largest HTTP request body (``CordOptions.max_body_bytes``); 0: the gateway's default."""
    returns_stream: bool
    """The function returns a ``StreamingResponse`` (not a generator): its body is streamed."""
    input_model: type[pydantic.BaseModel] | None
    """The model the input is validated with (None for passthrough cords)."""
    model_param: str | None
    """The parameter that receives the validated model itself (``data: MyInput``)."""
    params: tuple[str, ...]
    """Direct parameters, filled from the validated model's fields."""
    request_param: str | None
    """The parameter typed ``Request``, if any."""
    dependencies: Mapping[str, Depends]
    """Parameters whose default is ``Depends(fn)`` (ours or FastAPI's)."""
    header_params: Mapping[str, tuple[str, Any, bool]]
    """Parameters whose default is ``Header(...)``: ``(header name, default, required)``."""
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
    hints = _hints(function)
    returns_stream = _is_streaming_response(hints.get("return"))
    is_gen = inspect.isasyncgenfunction(function) or inspect.isgeneratorfunction(function)
    # A passthrough cord's function is never run, so its shape says nothing (Chutes' vLLM template
    # declares `stream=True` passthroughs without `yield`); a StreamingResponse streams its body.
    if options["stream"] != is_gen and not options["passthrough"] and not (returns_stream and not is_gen):
        need = "a generator (`yield`)" if options["stream"] else "a plain function (no `yield`)"
        raise ChuteDefinitionError(f"{where}: stream={options['stream']} needs {need}")
    params = list(inspect.signature(function).parameters.values())
    if not params or params[0].kind not in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
        raise ChuteDefinitionError(f"{where}: a cord's first parameter is `self` (the chute)")
    inputs: list[inspect.Parameter] = []
    request_param = None
    dependencies: dict[str, Depends] = {}
    header_params: dict[str, tuple[str, Any, bool]] = {}
    for p in params[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise ChuteDefinitionError(f"{where}: *args/**kwargs cannot be mapped onto a message")
        dependency = dependency_of(p.default)
        header = header_spec(p.name, p.default)
        if _is_request(hints.get(p.name)):
            request_param = p.name
        elif dependency is not None:
            _check_dependency(dependency, where)
            dependencies[p.name] = Depends(dependency)
        elif header is not None:
            header_params[p.name] = header
        else:
            inputs.append(p)
    model_param, direct, model = _input(function, options, inputs, hints, where)
    output_schema = options.get("output_schema")
    output, output_model = _output(options, hints.get("return", inspect.Parameter.empty))
    if (
        output_schema is not None
        and not options["passthrough"]
        and is_json_media(options["output_content_type"])
    ):
        if not _is_model(output_schema):
            raise ChuteDefinitionError(f"{where}: output_schema must be a pydantic model")
        output, output_model = OutputKind.MODEL, output_schema
    if returns_stream:
        output, output_model = OutputKind.HTTP_BODY, None
    timeout = options.get("timeout")
    if timeout is not None and timeout <= 0:
        raise ChuteDefinitionError(f"{where}: timeout must be a positive number of seconds")
    return PyCord(
        function=function,
        rpc_name=camel(function.__name__),
        public_api_path=options["public_api_path"] or f"/{function.__name__}",
        http_method=options["method"].upper(),
        input_schema=options["input_schema"],
        minimal_input_schema=options["minimal_input_schema"],
        output_content_type=options["output_content_type"],
        stream=options["stream"] or options["passthrough"] or returns_stream,
        stream_declared=bool(options["stream"]),
        passthrough=options["passthrough"],
        passthrough_path=options["passthrough_path"] or options["public_api_path"] or "/",
        passthrough_port=options["passthrough_port"] or 8000,
        passthrough_headers=dict(options.get("passthrough_headers") or {}),
        output_schema=output_schema,
        timeout=timeout,
        max_body_bytes=int(options.get("max_body_bytes") or 0),
        returns_stream=returns_stream,
        input_model=None if options["passthrough"] else model,
        model_param=model_param,
        params=direct,
        request_param=request_param,
        dependencies=dependencies,
        header_params=header_params,
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


def _is_streaming_response(annotation: Any) -> bool:
    return is_foreign_type(annotation, "StreamingResponse")


def _native(annotation: Any) -> Any:
    """FastAPI's ``UploadFile`` (in ``X``, ``X | None``, ``list[X]``) as cordwire's."""
    if is_foreign_type(annotation, "UploadFile"):
        return UploadFile
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if args and any(is_foreign_type(a, "UploadFile") for a in args):
        native = tuple(UploadFile if is_foreign_type(a, "UploadFile") else a for a in args)
        if origin in (typing.Union, types.UnionType):
            return typing.Union[native]  # noqa: UP007 (built from a tuple)
        if origin is list:
            return list[native[0]]  # type: ignore[valid-type]
    return annotation


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
        annotation = _native(hints.get(p.name, Any))
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
        ok = (
            header_spec(p.name, p.default) is not None
            or dependency_of(p.default) is not None
            or _is_request(hints.get(p.name))
        )
        if not ok and p.default is p.empty:
            raise ChuteDefinitionError(
                f"{where}: dependency {dependency.__name__}'s parameter {p.name!r} needs a "
                "Header(...) or Depends(...) default, or a Request annotation"
            )
