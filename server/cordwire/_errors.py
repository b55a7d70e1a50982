"""cordwire's errors: ``CordError`` ends a call with a status (shared with the client distribution,
which owns it with the code table); ``DefinitionError`` is a start-up error, never a status."""

from cordwire_client._cord_error import ERROR_METADATA_PREFIX, CordError

__all__ = ["ERROR_METADATA_PREFIX", "CordError", "DefinitionError"]


class DefinitionError(ValueError):
    """What is to be served is wrong (target, chute, proto, route): found before serving starts.

    The base of every start-up error; ``cordwire serve`` reports it in one line (with the traceback
    of its cause when user code raised it). A ``ValueError`` for code written against older names.
    """
