"""The gRPC side of cordwire: servicers built from descriptors, health, reflection, lifecycle."""

from ._context import CordContext, HttpCall
from ._invoke import CallGuard, Invoker
from ._runtime import ChuteServer

__all__ = ["CallGuard", "ChuteServer", "CordContext", "HttpCall", "Invoker"]
