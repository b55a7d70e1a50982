"""The HTTP side of `cordwire serve` and `cordwire gateway`: uvicorn with the edge protocol on a
socket cordwire binds itself (so that bind errors surface at once, and workers can share a port)."""

from __future__ import annotations

import asyncio
import contextlib
import resource
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

from ._edge_http import ConnectionTable, edge_protocol
from ._edge_limits import EdgeLimits

__all__ = ["HttpServer", "listen_socket", "raise_open_files_limit"]


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


def raise_open_files_limit(connections: int) -> None:
    """Lift the soft open-files limit towards the hard one so that ``connections`` sockets (plus
    room for Triton, gRPC and files) fit: without it a 1024 default fails accept() long before the
    connection cap is reached, and the process cannot even reach Triton."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 1024
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class HttpServer(uvicorn.Server):
    """uvicorn serving ``app`` with the edge limits on ``sock``; signals stay with the caller."""

    def __init__(self, app: Any, limits: EdgeLimits, sock: socket.socket) -> None:
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
