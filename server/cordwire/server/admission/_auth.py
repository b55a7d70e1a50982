"""Who is calling: the API key from HTTP headers or gRPC metadata, checked against the key store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from cordwire import Code, CordError

from ._keys import KeyStore
from ._quota import Quota

__all__ = ["ANONYMOUS", "Authenticator", "KeyAuthenticator", "Metadata", "NoAuthAuthenticator", "Principal"]

Metadata = Mapping[str, str] | Iterable[tuple[str, str | bytes]]
"""HTTP headers or gRPC metadata: a mapping, or the (key, value) pairs gRPC's
``invocation_metadata()`` yields. Keys compare case-insensitively; binary values are ignored."""

ANONYMOUS = "anonymous"

# RFC 9110 §11.6.1: a 401 carries a challenge naming the scheme the client should use.
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="cordwire"'}


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """The admitted caller of one call."""

    name: str
    """The key's name, or ``"anonymous"`` when authentication is off."""
    key_id: str | None
    """The key's public id (safe to log), or None when authentication is off."""
    chute_id: str
    """The chute the call was admitted to."""
    quota: Quota | None = None
    """The key's quota (checked by cordwire.server.usage); None: unlimited."""


class Authenticator(Protocol):
    def authenticate(self, metadata: Metadata, chute_id: str) -> Principal:
        """The caller, or :class:`CordError` UNAUTHENTICATED (401) / PERMISSION_DENIED (403)."""
        ...


class KeyAuthenticator:
    """Admits callers presenting a live key allowed on the chute."""

    def __init__(self, store: KeyStore) -> None:
        self.store = store

    def authenticate(self, metadata: Metadata, chute_id: str) -> Principal:
        raw_key = api_key_from(metadata)
        if raw_key is None:
            raise _unauthenticated(
                "Missing API key: send it as `Authorization: Bearer KEY` or `X-API-Key: KEY`."
            )
        info = self.store.verify(raw_key)
        if info is None:
            # Never echo the key, even masked: error bodies end up in client logs.
            raise _unauthenticated("Incorrect API key provided, or the key was revoked.")
        if not info.allows(chute_id):
            raise CordError(
                Code.PERMISSION_DENIED,
                f"API key {info.name!r} is not allowed on chute {chute_id!r}.",
                reason="chute_not_allowed",
            )
        return Principal(name=info.name, key_id=info.key_id, chute_id=chute_id, quota=info.quota)


class NoAuthAuthenticator:
    """``--no-auth``: admits everyone as ``anonymous``. Development only; the CLI warns."""

    def authenticate(self, metadata: Metadata, chute_id: str) -> Principal:
        return Principal(name=ANONYMOUS, key_id=None, chute_id=chute_id)


def api_key_from(metadata: Metadata) -> str | None:
    """The key from ``x-api-key`` or ``authorization: Bearer``; ``x-api-key`` wins if both come."""
    pairs = metadata.items() if isinstance(metadata, Mapping) else metadata
    api_key = bearer = None
    for key, value in pairs:
        if not isinstance(value, str):
            continue
        lowered = key.lower()
        if lowered == "x-api-key":
            api_key = value.strip()
        elif lowered == "authorization":
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == "bearer":
                bearer = token.strip()
    return api_key or bearer or None


def _unauthenticated(message: str) -> CordError:
    return CordError(
        Code.UNAUTHENTICATED,
        message,
        error_type="authentication_error",
        reason="invalid_api_key",
        headers=_CHALLENGE,
    )
