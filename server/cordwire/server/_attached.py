"""A service served beside a chute's own: same server, same guards, its own ``self`` and lifecycle."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping

from google.protobuf.descriptor import ServiceDescriptor

from cordwire._cords import Cord

__all__ = ["AttachedService"]


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class AttachedService:
    """What a feature of the runtime (cordwire.jobs) serves with the chute, over gRPC and HTTP."""

    service: ServiceDescriptor
    """Its service; reflected, and its google.api.http rules join the chute's routes."""
    cords: Mapping[str, Cord]
    """Its RPCs bound to handlers ``(owner, request, context)``."""
    owner: object
    """What the handlers get as ``self``."""
    start: Callable[[], Awaitable[None]]
    """Run after the chute's start-up hooks (it may need what they set up)."""
    stop: Callable[[float], Awaitable[None]]
    """Run on shutdown with the seconds of grace left, before the chute's shutdown hooks."""
