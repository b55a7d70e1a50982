"""A Chute as an ASGI application: ``uvicorn.run(chute)`` and ``httpx.ASGITransport(app=chute)``.

The same builder as ``cordwire serve`` and ``cordwire.testing``: a :class:`ChuteServer` (gRPC on
loopback, start-up hooks, Triton) and the gateway app over it, so routes, errors and streams are
the same. Lifespan starts and stops the server; a host that sends no lifespan events (httpx's
ASGITransport) gets it started by the first request. Auth is off unless a keys database is
configured (``$CORDWIRE_KEYS_DB``): the seed's unit test calls the chute without a key.

Environment: ``CORDWIRE_GRPC_PORT`` (default 0: any free port; the log says which),
``CORDWIRE_GRPC_HOST`` (default 127.0.0.1), ``CORDWIRE_TRITON`` (default ``embedded``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._chute import Chute
    from .gateway import Gateway
    from .server import CallGuard, ChuteServer

__all__ = ["ChuteApp"]

log = logging.getLogger("cordwire")
_KEEPERS: set[AsyncGenerator[None, None]] = set()
READY_TIMEOUT = 300.0
"""Seconds start-up may take (Triton loading models) before the ASGI start fails."""


class ChuteApp:
    """The ASGI app behind ``Chute.__call__``; one server per chute, started once."""

    def __init__(self, chute: Chute) -> None:
        self.chute = chute
        self.server: ChuteServer | None = None
        self._gateway: Gateway | None = None
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._keeper: AsyncGenerator[None, None] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        gateway = self._gateway
        if gateway is None or self._loop is not asyncio.get_running_loop():
            gateway = await self.start()
            if self._keeper is None:
                await self._stop_with_loop()
        await gateway(scope, receive, send)

    async def _stop_with_loop(self) -> None:
        """Without lifespan events nobody says when to stop: stop when the loop shuts down.

        ``asyncio.run`` and pytest-asyncio's runners close every live async generator
        (``loop.shutdown_asyncgens``) before closing the loop; this one stops the server then,
        while gRPC can still shut down cleanly.
        """

        async def keeper() -> AsyncGenerator[None, None]:
            try:
                yield
            finally:
                _KEEPERS.discard(gen)
                self._keeper = None
                await self.stop()

        gen = self._keeper = keeper()
        _KEEPERS.add(gen)  # held until the loop closes it, even if the chute itself is dropped
        await anext(gen)

    async def start(self) -> Gateway:
        """Start the server (hooks, gRPC, Triton) unless it runs; the gateway app over it."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new loop (a test's): the old one's server died with it
            self.server, self._gateway, self._keeper, self._lock = None, None, None, None
            self._loop = loop
        if self._gateway is not None:
            return self._gateway
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._gateway is None:
                from .gateway import create_app
                from .server import ChuteServer

                server = ChuteServer(
                    self.chute,
                    host=os.environ.get("CORDWIRE_GRPC_HOST", "127.0.0.1"),
                    grpc_port=int(os.environ.get("CORDWIRE_GRPC_PORT", "0")),
                    triton=os.environ.get("CORDWIRE_TRITON", "embedded"),
                    guards=_auth_guards(self.chute.chute_id),
                )
                try:
                    await server.start()
                    await server.wait_ready(READY_TIMEOUT)
                except BaseException:
                    await server.stop(0)
                    raise
                log.info("chute %s: gRPC on %s", self.chute.chute_id, server.grpc_target)
                self.server = server
                self._gateway = create_app(server)
        return self._gateway

    async def stop(self) -> None:
        server, self.server, self._gateway = self.server, None, None
        if server is not None:
            await server.stop()

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.start()
                except Exception as exc:  # uvicorn prints it and exits non-zero
                    log.exception("chute %s failed to start", self.chute.chute_id)
                    await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _auth_guards(chute_id: str) -> tuple[CallGuard, ...]:
    """Key checks when ``$CORDWIRE_KEYS_DB`` names a keys database; none otherwise."""
    path = os.environ.get("CORDWIRE_KEYS_DB")
    if not path:
        return ()
    from .server.admission import Admission, KeyAuthenticator, KeyStore, admission_guard

    return (admission_guard(Admission(KeyAuthenticator(KeyStore(path))), chute_id),)
