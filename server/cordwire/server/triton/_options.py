"""The options cordwire starts its in-process Triton with, and the process settings it needs."""

from __future__ import annotations

import os
import pathlib
import sys
from collections.abc import Sequence
from ctypes import byref, c_void_p
from dataclasses import dataclass

from ._capi import Flag, Lib

__all__ = ["ServerSettings", "new_server", "point_log_at", "python_first_on_path"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerSettings:
    """What differs between cordwire's in-process Tritons."""

    repository: pathlib.Path
    """The chute's model repository."""
    models: Sequence[str]
    """Loaded at start-up, and only these (explicit model control)."""
    backends: pathlib.Path
    """The backend directory (``_backends.py``)."""
    workdir: pathlib.Path
    """This Triton's private directory (repository agents: none)."""
    log_file: pathlib.Path
    """Where Triton's (process-global) log goes: the pump's FIFO."""
    exit_timeout: int
    """Seconds ``ServerStop`` waits for requests still running."""


def _configure(api: Lib, options: int, settings: ServerSettings) -> None:
    api.check(api.ServerOptionsSetLogFile(options, str(settings.log_file).encode()))
    api.check(api.ServerOptionsSetServerId(options, b"cordwire"))
    api.check(api.ServerOptionsSetModelRepositoryPath(options, str(settings.repository).encode()))
    api.check(api.ServerOptionsSetBackendDirectory(options, str(settings.backends).encode()))
    api.check(api.ServerOptionsSetRepoAgentDirectory(options, str(settings.workdir / "repoagents").encode()))
    # Exactly the chute's models, loaded by ServerNew, which fails if one does not load.
    api.check(api.ServerOptionsSetModelControlMode(options, Flag.MODEL_CONTROL_EXPLICIT))
    for model in settings.models:
        api.check(api.ServerOptionsSetStartupModel(options, model.encode()))
    api.check(api.ServerOptionsSetStrictModelConfig(options, True))
    api.check(api.ServerOptionsSetExitOnError(options, True))
    api.check(api.ServerOptionsSetExitTimeout(options, settings.exit_timeout))
    # Triton's own Prometheus endpoint is a frontend we do not run; cordwire's /metrics reports.
    api.check(api.ServerOptionsSetMetrics(options, False))
    api.check(api.ServerOptionsSetGpuMetrics(options, False))
    api.check(api.ServerOptionsSetCpuMetrics(options, False))


def new_server(api: Lib, settings: ServerSettings) -> int:
    """``TRITONSERVER_ServerNew`` with ``settings``: returns once every model loaded (seconds)."""
    options = c_void_p()
    api.check(api.ServerOptionsNew(byref(options)))
    try:
        assert options.value is not None
        _configure(api, options.value, settings)
        server = c_void_p()
        api.check(api.ServerNew(byref(server), options.value))
    finally:
        api.error(api.ServerOptionsDelete(options.value))
    assert server.value is not None
    return server.value


def point_log_at(api: Lib, path: pathlib.Path) -> None:
    """Send Triton's log to ``path`` from now on (the setting is global and takes effect at once)."""
    options = c_void_p()
    api.check(api.ServerOptionsNew(byref(options)))
    api.error(api.ServerOptionsSetLogFile(options.value, str(path).encode()))
    api.error(api.ServerOptionsDelete(options.value))


def python_first_on_path() -> None:
    """Put this Python's ``bin`` first on ``PATH``: the stub runs models with the first python it
    finds there, and ours has the venv's packages. Set once, before Triton starts any thread;
    stubs started later inherit it."""
    ours = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] != ours:
        os.environ["PATH"] = os.pathsep.join(filter(None, [ours, path]))
