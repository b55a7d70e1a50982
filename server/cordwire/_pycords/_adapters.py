"""A Python-first cord's function wrapped as a cordwire handler, ``(self, request, context)``.

The wrapper validates the request with pydantic, calls the function the way its signature asks
(direct parameters, a model, a ``Request``, dependencies; sync functions in the thread pool) and
turns what it returns or yields into the synthesized output message.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from typing import Any

import pydantic
from google.api import httpbody_pb2
from google.protobuf.message import Message

from cordwire._codes import Code
from cordwire._context import CordContext
from cordwire._errors import CordError

from ._convert import to_python
from ._foreign import dependency_of, foreign_http_exception, header_spec
from ._http import HTTPException, is_response
from ._request import Depends, Request
from ._results import result_converter, streaming_headers
from ._signature import PyCord, _hints, _is_request
from ._workers import LoopPool

__all__ = ["make_handler"]

Handler = Callable[..., Any]
_DONE = object()


def make_handler(cord: PyCord, output_class: type[Message], workers: LoopPool | None = None) -> Handler:
    """The ``(self, request, context)`` handler of ``cord``.

    With ``workers``, async functions run on those threads' own event loops (the chute's
    ``async_in_threads``): a cord that blocks its loop then blocks only its worker.
    """
    convert = result_converter(cord, output_class)
    function = cord.function
    if cord.returns_stream:
        return _response_stream(cord, workers)
    if cord.stream and inspect.isasyncgenfunction(function):

        async def async_stream(owner: Any, request: Message, context: CordContext) -> AsyncIterator[Message]:
            kwargs = await _arguments(cord, request, context)
            generator = function(owner, **kwargs)
            try:
                with translated():
                    async for item in _on(workers, generator):
                        yield convert(_checked(cord, item), context)
            finally:
                await _close(workers, generator)

        return async_stream
    if cord.stream:

        async def sync_stream(owner: Any, request: Message, context: CordContext) -> AsyncIterator[Message]:
            generator: Generator[Any, None, None] = function(
                owner, **await _arguments(cord, request, context)
            )
            try:
                with translated():
                    while (item := await asyncio.to_thread(next, generator, _DONE)) is not _DONE:
                        yield convert(_checked(cord, item), context)
            finally:
                generator.close()

        return sync_stream
    is_async = inspect.iscoroutinefunction(function)

    async def unary(owner: Any, request: Message, context: CordContext) -> Message:
        kwargs = await _arguments(cord, request, context)
        with translated():
            if is_async and workers is not None:
                result = await workers.run(function(owner, **kwargs))
            elif is_async:
                result = await function(owner, **kwargs)
            else:  # a plain function may block: keep it off the event loop, as for proto-first cords
                result = await asyncio.to_thread(function, owner, **kwargs)
            return convert(_checked(cord, result), context)

    return unary


def _response_stream(cord: PyCord, workers: LoopPool | None) -> Handler:
    """A function returning a ``StreamingResponse``: its body iterator, chunk by chunk."""
    media = cord.output_content_type or ""

    async def stream(owner: Any, request: Message, context: CordContext) -> AsyncIterator[Message]:
        kwargs = await _arguments(cord, request, context)
        with translated():
            result = cord.function(owner, **kwargs)
            if inspect.isawaitable(result):
                result = await (workers.run(result) if workers is not None else result)
            content_type = streaming_headers(result, context) or media or "application/octet-stream"
            async for chunk in _chunks(result.body_iterator):
                data = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
                yield httpbody_pb2.HttpBody(content_type=content_type, data=data)

    return stream


async def _chunks(iterator: Any) -> AsyncIterator[Any]:
    if hasattr(iterator, "__aiter__"):
        async for chunk in iterator:
            yield chunk
        return
    while (chunk := await asyncio.to_thread(next, iterator, _DONE)) is not _DONE:
        yield chunk


async def _on(workers: LoopPool | None, generator: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """The generator's items, each step run on a worker loop when there is one."""
    if workers is None:
        async for item in generator:
            yield item
        return
    loop = workers.pick()
    while True:
        try:
            item = await workers.run(anext(generator), loop)
        except StopAsyncIteration:
            return
        yield item


async def _close(workers: LoopPool | None, generator: Any) -> None:
    if workers is None:
        await generator.aclose()
    else:
        with contextlib.suppress(Exception):
            await workers.run(generator.aclose())


def _checked(cord: PyCord, result: Any) -> Any:
    """Chutes' ``output_schema``: what the function returns must fit it (a server fault if not)."""
    if cord.output_schema is None or is_response(result) or isinstance(result, cord.output_schema):
        return result
    try:
        return cord.output_schema.model_validate(result)
    except pydantic.ValidationError as exc:
        raise TypeError(
            f"{cord.rpc_name} returned a value that does not fit its output_schema: {exc}"
        ) from None


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """FastAPI's/Starlette's HTTPException raised by user code, as cordwire's (same status)."""
    try:
        yield
    except CordError:
        raise
    except Exception as exc:
        foreign = foreign_http_exception(exc)
        if foreign is None:
            raise
        status, detail, headers = foreign
        raise HTTPException(max(400, status), detail, headers=headers) from exc


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
    if cord.request_param is not None or cord.dependencies or cord.header_params:
        http_request = Request(context, request)
        if cord.request_param is not None:
            kwargs[cord.request_param] = http_request
        for name, spec in cord.header_params.items():
            kwargs[name] = _header(http_request, name, spec)
        with translated():
            for name, dependency in cord.dependencies.items():
                kwargs[name] = await _resolve(dependency, http_request)
    return kwargs


def _header(request: Request, param: str, spec: tuple[str, Any, bool]) -> Any:
    header, default, required = spec
    value = request.headers.get(header)
    if value is None and required:
        raise CordError(Code.INVALID_ARGUMENT, f"header {header!r} is required", param=header)
    return default if value is None else value


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
        header = header_spec(p.name, p.default)
        inner = dependency_of(p.default)
        if header is not None:
            kwargs[p.name] = _header(request, p.name, header)
        elif inner is not None:
            kwargs[p.name] = await _resolve(Depends(inner), request)
        elif _is_request(hints.get(p.name)):
            kwargs[p.name] = request
    result = function(**kwargs)
    return await result if inspect.isawaitable(result) else result
