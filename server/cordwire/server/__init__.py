"""The gRPC side of cordwire: servicers built from descriptors, health, reflection, lifecycle."""

from cordwire._context import CordContext, HttpCall

from ._attached import AttachedService
from ._invoke import CallGuard, Invoker
from ._runtime import ChuteServer

__all__ = ["AttachedService", "CallGuard", "ChuteServer", "CordContext", "HttpCall", "Invoker"]
