"""``TritonService``: the Triton a chute uses, embedded or external, as the runtime drives it."""

from __future__ import annotations

import asyncio
import logging
import pathlib
from collections.abc import Callable

from cordwire._errors import DefinitionError

from ._client import TritonClient
from ._endpoint import Endpoint
from ._inprocess import InProcessTriton
from ._pool import Pool
from ._repository import model_names
from ._watch import Watch

__all__ = ["TritonService"]

logger = logging.getLogger("cordwire.triton")


def parse_addresses(spec: str) -> list[str]:
    """``"host:port[,host:port…]"`` as a list; a clear start-up error when malformed."""
    addresses = [part.strip() for part in spec.split(",") if part.strip()]
    for address in addresses:
        host, sep, port = address.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise DefinitionError(f"bad Triton address {address!r} in {spec!r}: expected host:port")
    if not addresses:
        raise DefinitionError(f"bad Triton spec {spec!r}: expected 'embedded' or host:port[,host:port…]")
    return addresses


class TritonService:
    """Lifecycle and readiness of the chute's Triton, and the ``client`` handlers call."""

    def __init__(
        self,
        pool: Pool | None,
        models: tuple[str, ...],
        *,
        embedded: InProcessTriton | None = None,
        watch: Watch | None = None,
    ) -> None:
        self._pool = pool
        self.models = models
        """The models the chute needs (from its repository)."""
        self.embedded = embedded
        """The in-process Triton, if this service runs one."""
        self.watch = watch
        self.supervisor = None
        """Relaunches of a Triton process (none: the embedded Triton runs in this process)."""
        self._client = TritonClient(pool, models, exhaustive=embedded is not None, local=embedded)
        self._started = False
        self._stopped = False

    @classmethod
    def from_spec(
        cls, spec: str, model_repository: pathlib.Path | None, *, log_dir: pathlib.Path | None = None
    ) -> TritonService:
        """``spec`` is ``"embedded"`` or ``"host:port[,host:port…]"`` (gRPC addresses)."""
        models = model_names(pathlib.Path(model_repository)) if model_repository is not None else ()
        if spec.strip() == "embedded":
            if not models:
                # A chute without models: nothing to start, always ready.
                return cls(None, ())
            assert model_repository is not None
            embedded = InProcessTriton(pathlib.Path(model_repository), models, log_dir=log_dir)
            pool = Pool(["in-process"], models)  # one endpoint carrying readiness; no channel is made
            return cls(pool, models, embedded=embedded, watch=Watch(embedded, pool.endpoints[0]))
        return cls(Pool(parse_addresses(spec), models), models)

    async def start(self) -> None:
        """Launch (embedded) and start the health loops; readiness follows asynchronously."""
        if self._started or self._pool is None:
            self._started = True
            return
        self._started = True
        if self.watch is not None:
            self.watch.start()
        else:
            self._pool.start_health_checks()

    async def wait_ready(self, timeout: float | None = None) -> None:
        """Return once ready; ``TimeoutError`` after ``timeout`` seconds."""
        if self._pool is None:
            return
        async with asyncio.timeout(timeout):
            await self._pool.wait_ready()

    @property
    def ready(self) -> bool:
        """Every model the repository names is READY on some Triton (without models: True)."""
        return self._pool is None or self._pool.ready

    def add_listener(self, callback: Callable[[bool], object]) -> None:
        """``callback(ready)`` on each readiness change."""
        if self._pool is not None:
            self._pool.add_listener(callback)

    @property
    def failure(self) -> str | None:
        """Why the embedded Triton can no longer serve (the process should exit); None if it can."""
        return None if self.embedded is None else self.embedded.failure

    def add_failure_listener(self, callback: Callable[[str], object]) -> None:
        """``callback(cause)`` once, when the embedded Triton fails for good."""
        if self.embedded is not None:
            self.embedded.add_failure_listener(callback)

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """The Triton endpoints calls go to, with their health (for metrics)."""
        return () if self._pool is None else tuple(self._pool.endpoints)

    @property
    def client(self) -> TritonClient:
        """What handlers use as ``self.triton``. Without models its calls raise FAILED_PRECONDITION."""
        return self._client

    async def stop(self) -> None:
        """Stop supervision and Triton; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        if self.watch is not None:
            await self.watch.stop()
        if self._pool is not None:
            await self._pool.close()
