"""A Python-first cord's function wrapped as a cordwire handler, ``(self, request, context)``.

The wrapper validates the request with pydantic, calls the function the way its signature asks
(direct parameters, a model, a ``Request``, dependencies; sync functions in the thread pool) and
turns what it returns or yields into the synthesized output message.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Generator
from typing import Any

import pydantic
from google.protobuf.message import Message

from cordwire._codes import Code
from cordwire._context import CordContext
from cordwire._errors import CordError

from ._convert import to_python
from ._request import Depends, Header, Request
from ._results import result_converter
from ._signature import PyCord, _hints, _is_request

__all__ = ["make_handler"]

Handler = Callable[..., Any]
_DONE = object()


def make_handler(cord: PyCord, output_class: type[Message]) -> Handler:
    convert = result_converter(cord, output_class)
    function = cord.function
    if cord.stream and inspect.isasyncgenfunction(function):

        async def async_stream(owner: Any, request: Message, context: CordContext) -> AsyncIterator[Message]:
            generator = function(owner, **await _arguments(cord, request, context))
            try:
                async for item in generator:
                    yield convert(item, context)
            finally:
                await generator.aclose()

        return async_stream
    if cord.stream:

        async def sync_stream(owner: Any, request: Message, context: CordContext) -> AsyncIterator[Message]:
            generator: Generator[Any, None, None] = function(
                owner, **await _arguments(cord, request, context)
            )
            try:
                while (item := await asyncio.to_thread(next, generator, _DONE)) is not _DONE:
                    yield convert(item, context)
            finally:
                generator.close()

        return sync_stream
    is_async = inspect.iscoroutinefunction(function)

    async def unary(owner: Any, request: Message, context: CordContext) -> Message:
        kwargs = await _arguments(cord, request, context)
        if is_async:
            result = await function(owner, **kwargs)
        else:  # a plain function may block: keep it off the event loop, as for proto-first cords
            result = await asyncio.to_thread(function, owner, **kwargs)
        return convert(result, context)

    return unary


async def _arguments(cord: PyCord, request: Message, context: CordContext) -> dict[str, Any]:
    assert cord.input_model is not None
    values = to_python(request)
    fields = cord.input_model.model_fields
    for field in request.DESCRIPTOR.fields:
        # Proto cannot tell an empty list from a missing one: empty it is, for a required list.
        if field.is_repeated and field.name not in values and fields[field.name].is_required():
            values[field.name] = (
                {} if field.message_type and field.message_type.GetOptions().map_entry else []
            )
    try:
        model = cord.input_model.model_validate(values, by_name=True)
    except pydantic.ValidationError as exc:
        raise _invalid(exc) from None
    if cord.model_param is not None:
        kwargs: dict[str, Any] = {cord.model_param: model}
    else:
        kwargs = {name: getattr(model, name) for name in cord.params}
    if cord.request_param is not None or cord.dependencies:
        http_request = Request(context)
        if cord.request_param is not None:
            kwargs[cord.request_param] = http_request
        for name, dependency in cord.dependencies.items():
            kwargs[name] = await _resolve(dependency, http_request)
    return kwargs


def _invalid(exc: pydantic.ValidationError) -> CordError:
    """A 400 naming the first field at fault, as the gateway's own binding errors do."""
    errors = exc.errors(include_url=False)
    param = ".".join(str(part) for part in errors[0]["loc"]) if errors else None
    detail = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'request'}: {e['msg']}" for e in errors)
    return CordError(Code.INVALID_ARGUMENT, detail or str(exc), param=param or None)


async def _resolve(dependency: Depends, request: Request) -> Any:
    function = dependency.dependency
    hints = _hints(function)
    kwargs: dict[str, Any] = {}
    for p in inspect.signature(function).parameters.values():
        if isinstance(p.default, Header):
            kwargs[p.name] = request.headers.get(p.name.replace("_", "-").lower(), p.default.default)
        elif isinstance(p.default, Depends):
            kwargs[p.name] = await _resolve(p.default, request)
        elif _is_request(hints.get(p.name)):
            kwargs[p.name] = request
    result = function(**kwargs)
    return await result if inspect.isawaitable(result) else result
