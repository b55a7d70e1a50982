"""Triton inside the cordwire process: ``libtritonserver`` driven through its C API.

No ``tritonserver`` process, no Triton port, no gRPC hop: a call is a request object handed to
``TRITONSERVER_ServerInferAsync`` and its responses come back through callbacks on Triton's
threads (``_calls.py``). The Python backend still runs each model instance in a stub process of
its own. Measured on the 2-core machine (issue #15 notes), identity model, sequential calls:
893 µs wall and 932 µs CPU per call through the child process and loopback gRPC, 346 µs and
336 µs in-process; a storm of 10,000 abandoned streams leaves it serving, where Triton 2.51's
gRPC frontend died of a SIGSEGV within 2,000.

A failure that Triton cannot recover from (start-up fails, a model's stub process died) is
``failure``: the service reports it and ``cordwire serve`` exits non-zero so that its
supervisor (systemd, Kubernetes) starts a fresh process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pathlib
import shutil
import tempfile
import time
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from ctypes import byref, c_bool, c_char_p, c_size_t, c_uint32, c_void_p, string_at
from typing import Any

import numpy.typing as npt

from . import _calls
from ._backends import backend_directory
from ._buffers import ALLOCATE, RELEASE_BUFFER
from ._calls import Call, Outputs
from ._capi import Code, Flag, Lib, TritonError, lib
from ._options import ServerSettings, new_server, point_log_at, python_first_on_path
from ._requests import Parameters, fill_request
from ._stubs import alive, find_stubs
from ._triton_log import LogPump

__all__ = ["InProcessTriton"]

logger = logging.getLogger("cordwire.triton")

# The Python backend's answer once a model's stub process is gone; it does not restart it.
_DEAD_STUB = "is not healthy"


class InProcessTriton:
    """Triton serving ``models`` from ``model_repository`` inside this process."""

    def __init__(
        self,
        model_repository: pathlib.Path,
        models: Sequence[str],
        *,
        log_dir: pathlib.Path | None = None,
        exit_timeout: int = 5,
    ) -> None:
        self.model_repository = model_repository.resolve()
        self.models = tuple(models)
        self.exit_timeout = exit_timeout
        """Seconds ``stop`` lets Triton wait for requests still running (they are cancelled first)."""
        self._workdir = pathlib.Path(tempfile.mkdtemp(prefix="cordwire-triton-"))
        self.log_path = (log_dir or self._workdir) / "triton.log"
        self.startup_seconds: float | None = None
        """Seconds from ``start`` to every model READY."""
        self.failure: str | None = None
        """Why Triton can no longer serve (None while it can)."""
        self._failure_listeners: list[Callable[[str], object]] = []
        self._api: Lib | None = None
        self._server: int | None = None
        self._allocator: int | None = None
        self._decoupled: dict[str, bool] = {}
        self._pump: LogPump | None = None
        self._stubs: dict[int, str] = {}

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> None:
        """Load the library and start Triton with every model loaded. Blocks (seconds): run it in a
        thread. Raises ``TritonError`` when a model does not load."""
        started = time.monotonic()
        api = self._api = lib()
        backends = backend_directory(api.wheel, self._workdir)
        python_first_on_path()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._pump = LogPump(self._workdir / "triton.fifo", self.log_path)
        self._pump.start()
        self._server = new_server(
            api,
            ServerSettings(
                repository=self.model_repository,
                models=self.models,
                backends=backends,
                workdir=self._workdir,
                log_file=self._pump.fifo,
                exit_timeout=self.exit_timeout,
            ),
        )
        allocator = c_void_p()
        api.check(api.ResponseAllocatorNew(byref(allocator), ALLOCATE, RELEASE_BUFFER, None))
        self._allocator = allocator.value
        for model in self.models:
            flags, _ = c_uint32(), c_void_p()
            api.check(
                api.ServerModelTransactionProperties(self._server, model.encode(), -1, byref(flags), byref(_))
            )
            self._decoupled[model] = bool(flags.value & Flag.TXN_DECOUPLED)
        self._stubs = find_stubs(backends)
        self.startup_seconds = time.monotonic() - started

    def stop(self) -> None:
        """Cancel what still runs, stop Triton (models unload, stubs exit), remove the work
        directory (but for ``triton.log`` after a failure). Blocks: run it in a thread. Idempotent."""
        api, server, self._server = self._api, self._server, None
        if api is not None and server:
            _calls.cancel_all()
            error = api.error(api.ServerStop(server)) or api.error(api.ServerDelete(server))
            if error is not None:
                logger.warning("Triton did not stop cleanly: %s", error.message)
        if api is not None and self._allocator:
            api.error(api.ResponseAllocatorDelete(self._allocator))
            self._allocator = None
        if api is not None and self._pump is not None:
            # A regular file closes the FIFO's write end; what Triton logs from now on stays there.
            point_log_at(api, self.log_path)
            self._pump.close(5)
            self._pump = None
        for path in self._workdir.iterdir() if self._workdir.exists() else ():
            # After a failure, the log it named stays for whoever looks into it.
            if path == self.log_path and self.failure is not None:
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        if self.failure is None:
            shutil.rmtree(self._workdir, ignore_errors=True)

    # --- health -----------------------------------------------------------------------------------

    def add_failure_listener(self, callback: Callable[[str], object]) -> None:
        self._failure_listeners.append(callback)

    def fail(self, cause: str) -> None:
        """Record that Triton cannot serve any more, end the calls in flight with UNAVAILABLE (some
        may never hear from a dead stub), and tell the listeners. Once."""
        if self.failure is not None:
            return
        self.failure = cause
        logger.error("Triton failed: %s (log: %s)", cause, self.log_path)
        _calls.fail_all(TritonError(Code.UNAVAILABLE, f"Triton failed: {cause}"))
        for callback in list(self._failure_listeners):
            callback(cause)

    def check_stubs(self) -> None:
        """``fail`` if a model's stub process is gone (the Python backend does not restart it)."""
        for pid, instance in self._stubs.items():
            if not alive(pid):
                self.fail(f"the stub process of model instance {instance!r} (pid {pid}) is gone")
                return

    def ready(self) -> bool:
        """Triton is live, every model is READY, and nothing failed."""
        api, server = self._api, self._server
        if api is None or not server or self.failure is not None:
            return False
        flag = c_bool()
        if api.error(api.ServerIsLive(server, byref(flag))) is not None or not flag.value:
            return False
        for model in self.models:
            if api.error(api.ServerModelIsReady(server, model.encode(), -1, byref(flag))) or not flag.value:
                return False
        return True

    def statistics(self, model: str) -> dict[str, Any]:
        """Triton's statistics for ``model`` (``TRITONSERVER_ServerModelStatistics``, as JSON)."""
        api, server = self._require()
        message = c_void_p()
        api.check(api.ServerModelStatistics(server, model.encode(), -1, byref(message)))
        try:
            base, size = c_char_p(), c_size_t()
            api.check(api.MessageSerializeToJson(message.value, byref(base), byref(size)))
            return dict(json.loads(string_at(base, size.value)))
        finally:
            api.error(api.MessageDelete(message.value))

    # --- calls ------------------------------------------------------------------------------------

    def _require(self) -> tuple[Lib, int]:
        if self._api is None or not self._server:
            raise TritonError(Code.UNAVAILABLE, "the embedded Triton is not running")
        return self._api, self._server

    def _submit(
        self,
        model: str,
        inputs: Mapping[str, npt.ArrayLike],
        outputs: Sequence[str] | None,
        parameters: Parameters | None,
    ) -> Call:
        api, server = self._require()
        call = Call(api, asyncio.get_running_loop())
        request = c_void_p()
        api.check(api.InferenceRequestNew(byref(request), server, model.encode(), -1))
        call.request = request.value
        try:
            assert self._allocator is not None
            fill_request(call, self._allocator, inputs, outputs, parameters)
            call.register()
            api.check(api.ServerInferAsync(server, call.request, None))
        except BaseException:
            call.forget()  # Triton did not take it: no callback will come
            api.error(api.InferenceRequestDelete(call.request))
            raise
        return call

    def _raise(self, error: TritonError) -> None:
        if _DEAD_STUB in error.message:
            self.fail(error.message)
        raise error

    async def infer(
        self,
        model: str,
        inputs: Mapping[str, npt.ArrayLike],
        outputs: Sequence[str] | None = None,
        parameters: Parameters | None = None,
    ) -> Outputs:
        """One request, one response. Cancelling the awaiting task cancels the Triton request."""
        if self._decoupled.get(model):
            raise TritonError(Code.UNSUPPORTED, f"model {model!r} is decoupled: use stream() to call it")
        call = self._submit(model, inputs, outputs, parameters)
        result: Outputs | None = None
        try:
            while (item := await call.next()) is not None:
                if isinstance(item, TritonError):
                    self._raise(item)
                else:
                    result = item
        finally:
            call.cancel()  # a no-op once the final response came
        if result is None:
            raise TritonError(Code.INTERNAL, f"model {model!r} sent no response")
        return result

    async def stream(
        self, model: str, inputs: Mapping[str, npt.ArrayLike], parameters: Parameters | None = None
    ) -> AsyncGenerator[Outputs, None]:
        """Each response's outputs until the final one. Closing the generator (or cancelling the
        task iterating it) cancels the Triton request: the model sees ``request.is_cancelled()``."""
        call = self._submit(model, inputs, None, parameters)
        try:
            while (item := await call.next()) is not None:
                if isinstance(item, TritonError):
                    self._raise(item)
                elif item:  # the final response of a decoupled model may carry no outputs
                    yield item
        finally:
            call.cancel()
