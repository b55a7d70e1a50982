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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._chute import Chute
    from .gateway import Gateway
    from .server import CallGuard, ChuteServer

__all__ = ["ChuteApp"]

log = logging.getLogger("cordwire")
READY_TIMEOUT = 300.0
"""Seconds start-up may take (Triton loading models) before the ASGI start fails."""


class ChuteApp:
    """The ASGI app behind ``Chute.__call__``; one server per chute, started once."""

    def __init__(self, chute: Chute) -> None:
        self.chute = chute
        self.server: ChuteServer | None = None
        self._gateway: Gateway | None = None
        self._lock: asyncio.Lock | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        gateway = await self.start()
        await gateway(scope, receive, send)

    async def start(self) -> Gateway:
        """Start the server (hooks, gRPC, Triton) unless it runs; the gateway app over it."""
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
