"""The development key `cordwire serve` creates on an empty keys database (printed once)."""

from __future__ import annotations

from cordwire._errors import CordError

from ._keys import KeyStore

__all__ = ["DEV_KEY_NAME", "ensure_dev_key"]

DEV_KEY_NAME = "dev"


def ensure_dev_key(store: KeyStore) -> str | None:
    """On an empty store, create a key named ``dev`` and return it (for `make serve` to print once)."""
    if not store.is_empty():
        return None
    try:
        return store.create(DEV_KEY_NAME)
    except CordError:
        return None  # another process won the race and created the first key
