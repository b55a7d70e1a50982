"""The HTTP side of `cordwire serve` and `cordwire gateway`: uvicorn with the edge protocol on a
socket cordwire binds itself (so that bind errors surface at once, and workers can share a port)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import resource
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

from ._edge_http import ConnectionTable, edge_protocol
from ._edge_limits import EdgeLimits

__all__ = ["HttpServer", "fit_open_files", "listen_socket"]

log = logging.getLogger("cordwire.edge")


def listen_socket(host: str, port: int, *, reuse_port: bool = False, listen: bool = True) -> socket.socket:
    """A TCP socket bound to ``host:port`` (port 0: any free one); ``reuse_port`` sets SO_REUSEPORT
    so that every worker binds its own listening socket and the kernel spreads connections."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        if listen:
            sock.listen(2048)  # the kernel caps it at somaxconn
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen for HTTP on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


_RESERVED_FILES = 1024
"""Open files kept for everything but HTTP connections: gRPC, Triton, logs, the keys database."""


def fit_open_files(limits: EdgeLimits) -> EdgeLimits:
    """Lift the soft open-files limit towards the hard one so that the connection cap fits, or
    lower the cap to what fits: otherwise a flood meets accept() failures (EMFILE) long before the
    cap, and the process can no longer open anything else, its connection to Triton included."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = limits.max_connections + _RESERVED_FILES
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return limits
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    if soft >= wanted:
        return limits
    fits = max(64, soft - _RESERVED_FILES)
    log.warning(
        "open-files limit %d allows %d HTTP connections, not %d: the connection cap is lowered",
        soft,
        fits,
        limits.max_connections,
    )
    return dataclasses.replace(
        limits, max_connections=fits, max_connections_per_ip=min(limits.max_connections_per_ip, fits)
    )


class HttpServer(uvicorn.Server):
    """uvicorn serving ``app`` with the edge limits on ``sock``; signals stay with the caller."""

    def __init__(
        self, app: Any, limits: EdgeLimits, sock: socket.socket, *, grace: float | None = None
    ) -> None:
        """``grace``: seconds open requests get on shutdown before their tasks are cancelled (None:
        no bound; a request whose body never arrives then holds shutdown up to the body deadline)."""
        protocol = edge_protocol(limits)
        config = uvicorn.Config(
            app,
            http=protocol,
            ws="none",
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_keep_alive=limits.keepalive_timeout,  # type: ignore[arg-type]  # a float works
            backlog=2048,
            timeout_graceful_shutdown=grace,  # type: ignore[arg-type]  # a float works
        )
        super().__init__(config)
        self.sock = sock
        self.connections: ConnectionTable = protocol.table
        """The open connections, by client address."""
        self.port: int = sock.getsockname()[1]
        self.task: asyncio.Task[None] | None = None

    # Signals are ours: one handler stops gRPC and HTTP together and runs the shutdown hooks.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def start(self) -> None:
        self.task = asyncio.create_task(self.serve(sockets=[self.sock]))

    async def stop(self) -> None:
        self.should_exit = True
        if self.task is not None:
            await self.task
