"""The one error type, shared with the client distribution (which owns it, with the code table)."""

from cordwire_client._cord_error import ERROR_METADATA_PREFIX, CordError

__all__ = ["ERROR_METADATA_PREFIX", "CordError"]
