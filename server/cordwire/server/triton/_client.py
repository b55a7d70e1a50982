"""``self.triton`` for cord handlers: unary ``infer`` and decoupled ``stream``, on the in-process
Triton (``_inprocess.py``) or on external ones over KServe v2 gRPC.

Over gRPC, we call the KServe v2 stubs through ``grpc.aio`` directly rather than ``tritonclient.grpc.aio``.
Measured with ``tests/triton/bench_client.py`` as it was before issue #15 (2-core CI machine,
Triton as a child process, ``identity`` Python-backend model, sequential awaits, median of 3
interleaved rounds):

    FP32[16] + BYTES[2]:  tritonclient.grpc.aio  1287 us/call   direct stubs  1285 us/call
    FP32[1M] (4 MB):      tritonclient.grpc.aio 37061 us/call   direct stubs 19566 us/call

Small requests tie (Triton's Python backend dominates); large tensors take half the time because
we splice numpy buffers into the request without copies (``_wire.py``). The direct path also
sends one serialized request again to another endpoint on failover.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import grpc
import numpy.typing as npt

from cordwire._codes import Code
from cordwire._errors import CordError

from ._capi import TritonError
from ._endpoint import Endpoint
from ._pool import Pool
from ._status import (
    from_rpc_error,
    from_stream_error,
    from_triton_error,
    is_retryable,
    not_found,
    unavailable,
)
from ._tensors import decode_outputs
from ._wire import build_request

if TYPE_CHECKING:
    from ._inprocess import InProcessTriton

__all__ = ["Parameters", "TritonCall", "TritonClient", "TritonObserver"]

Parameters = Mapping[str, str | int | float | bool]
Metadata = tuple[tuple[str, str], ...]


class TritonCall(Protocol):
    """One observed Triton call (server/observability: its latency and its trace span)."""

    parameters: Parameters | None
    """The request parameters to send: the caller's, plus trace context."""
    metadata: Metadata | None
    """gRPC metadata for the call (``traceparent``, read by Triton's own tracing)."""

    def end(self, error: BaseException | None) -> None: ...


TritonObserver = Callable[[str, str, Parameters | None], TritonCall]
"""``observer(model, "infer" | "stream", parameters)``, called as each call starts."""


class TritonClient:
    """Sends requests to the in-process Triton (``local``) or to the ready Triton endpoints of a
    pool, failing over on UNAVAILABLE. With ``local``, the pool's one endpoint only carries its
    readiness."""

    def __init__(
        self,
        pool: Pool | None,
        models: Sequence[str] = (),
        *,
        exhaustive: bool = False,
        local: InProcessTriton | None = None,
    ) -> None:
        self._pool = pool
        self._models = frozenset(models)
        # Embedded: Triton loads exactly the repository's models, so others are known not to exist.
        self._exhaustive = exhaustive
        self._local = local
        self.observer: TritonObserver | None = None
        """Set by the server when metrics or tracing are on."""

    def _check(self, model: str) -> Pool:
        if self._pool is None:
            raise CordError(
                Code.FAILED_PRECONDITION,
                f"this chute has no Triton models (no model_repository), so model {model!r} cannot be used",
            )
        if self._exhaustive and model not in self._models:
            raise not_found(model)
        return self._pool

    def _next(self, pool: Pool, tried: list[Endpoint], last: CordError | None) -> Endpoint:
        endpoint = pool.pick(tried)
        if endpoint is None:
            raise last or unavailable("no Triton server is ready")
        tried.append(endpoint)
        return endpoint

    async def infer(
        self,
        model: str,
        inputs: Mapping[str, npt.ArrayLike],
        outputs: Sequence[str] | None = None,
        *,
        parameters: Parameters | None = None,
        timeout: float | None = None,
    ) -> dict[str, npt.NDArray[Any]]:
        """Run ``model`` once; returns its outputs (only ``outputs`` if given) by name.

        Numeric outputs are read-only views of the response buffer (copy to modify in place);
        BYTES outputs are object arrays of ``bytes``.
        """
        if self.observer is None:
            return await self._infer(model, inputs, outputs, parameters, timeout, None)
        observed = self.observer(model, "infer", parameters)
        try:
            result = await self._infer(
                model, inputs, outputs, observed.parameters, timeout, observed.metadata
            )
        except BaseException as exc:
            observed.end(exc)
            raise
        observed.end(None)
        return result

    async def _infer(
        self,
        model: str,
        inputs: Mapping[str, npt.ArrayLike],
        outputs: Sequence[str] | None,
        parameters: Parameters | None,
        timeout: float | None,
        metadata: Metadata | None,
    ) -> dict[str, npt.NDArray[Any]]:
        pool = self._check(model)
        if self._local is not None:
            self._next(pool, [], None)  # UNAVAILABLE while it is not ready
            return await self._infer_local(self._local, model, inputs, outputs, parameters, timeout)
        call = build_request(model, inputs, outputs, parameters)
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        tried: list[Endpoint] = []
        last: CordError | None = None
        while True:
            endpoint = self._next(pool, tried, last)
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                raise CordError(Code.DEADLINE_EXCEEDED, f"deadline passed before model {model!r} answered")
            try:
                # Cancelling the awaiting task cancels this gRPC call (grpc.aio does so on CancelledError).
                response = await endpoint.calls.infer(call.payload, timeout=remaining, metadata=metadata)
            except grpc.aio.AioRpcError as exc:
                error = from_rpc_error(exc, model, model in self._models)
                if not is_retryable(error):
                    raise error from None
                endpoint.set_healthy(False)
                last = error
                continue
            return decode_outputs(response, outputs)

    async def _infer_local(
        self,
        local: InProcessTriton,
        model: str,
        inputs: Mapping[str, npt.ArrayLike],
        outputs: Sequence[str] | None,
        parameters: Parameters | None,
        timeout: float | None,
    ) -> dict[str, npt.NDArray[Any]]:
        # A passed deadline or a cancelled task cancels the Triton request (local.infer's finally).
        # The answer may also be there before the call ever waited (no await to time out): then
        # the clock decides, as a deadline would over gRPC.
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        try:
            async with asyncio.timeout_at(deadline):
                result = await local.infer(model, inputs, outputs, parameters)
            if deadline is None or loop.time() <= deadline:
                return result
        except TimeoutError:
            pass
        except TritonError as exc:
            raise from_triton_error(exc, model, model in self._models) from None
        raise CordError(Code.DEADLINE_EXCEEDED, f"deadline passed before model {model!r} answered")

    def stream(
        self, model: str, inputs: Mapping[str, npt.ArrayLike], *, parameters: Parameters | None = None
    ) -> AsyncGenerator[dict[str, npt.NDArray[Any]], None]:
        """Run decoupled ``model``; yields each response's outputs until the model's final response.

        Closing the iterator, or cancelling the task iterating it, cancels the Triton request
        (the model sees ``request.is_cancelled()``).
        """
        if self.observer is None:
            return self._stream(model, inputs, parameters, None)
        return self._observed_stream(self.observer, model, inputs, parameters)

    async def _observed_stream(
        self,
        observer: TritonObserver,
        model: str,
        inputs: Mapping[str, npt.ArrayLike],
        parameters: Parameters | None,
    ) -> AsyncGenerator[dict[str, npt.NDArray[Any]], None]:
        observed = observer(model, "stream", parameters)
        error: BaseException | None = None
        try:
            responses = self._stream(model, inputs, observed.parameters, observed.metadata)
            async with contextlib.aclosing(responses):  # closing us cancels the Triton request now
                async for outputs in responses:
                    yield outputs
        except BaseException as exc:
            error = exc
            raise
        finally:
            observed.end(error)

    async def _stream(
        self,
        model: str,
        inputs: Mapping[str, npt.ArrayLike],
        parameters: Parameters | None,
        metadata: Metadata | None,
    ) -> AsyncGenerator[dict[str, npt.NDArray[Any]], None]:
        pool = self._check(model)
        if self._local is not None:
            self._next(pool, [], None)  # UNAVAILABLE while it is not ready
            responses = self._local.stream(model, inputs, parameters)
            try:
                async with contextlib.aclosing(responses):  # closing us cancels the Triton request now
                    async for outputs in responses:
                        yield outputs
            except TritonError as exc:
                raise from_triton_error(exc, model, model in self._models) from None
            return
        call = build_request(model, inputs, None, parameters, streaming=True)
        tried: list[Endpoint] = []
        last: CordError | None = None
        while True:
            endpoint = self._next(pool, tried, last)
            received = False
            rpc = endpoint.calls.stream_infer(metadata=metadata)
            try:
                await rpc.write(call.payload)
                await rpc.done_writing()
                async for message in rpc:
                    if message.error_message:
                        raise from_stream_error(message.error_message, model, model in self._models)
                    received = True
                    response = message.infer_response
                    final = response.parameters.get("triton_final_response")
                    if response.outputs:
                        yield decode_outputs(response)
                    if final is not None and final.bool_param:
                        return
                return
            except grpc.aio.AioRpcError as exc:
                error = from_rpc_error(exc, model, model in self._models)
                if received or not is_retryable(error):
                    raise error from None
                endpoint.set_healthy(False)
                last = error
            except CordError as error:
                if received or not is_retryable(error):
                    raise
                endpoint.set_healthy(False)
                last = error
            finally:
                if not rpc.done():
                    rpc.cancel()
