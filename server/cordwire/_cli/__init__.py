"""The `cordwire` command: serve, gateway, routes, protos, and the keys commands (with usage)."""

from ._main import main

__all__ = ["main"]
