"""Building the admission policy `cordwire serve` runs with, from its options."""

from __future__ import annotations

import dataclasses
import pathlib
import sys
from collections.abc import Callable

from .server.admission import (
    Admission,
    KeyAuthenticator,
    KeyStore,
    NoAuthAuthenticator,
    RateLimit,
    RateLimiter,
    RateLimitPolicy,
    RedisBucketStore,
    ensure_dev_key,
    resolve_keys_db,
)

__all__ = ["AdmissionOptions", "build_admission"]


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class AdmissionOptions:
    keys_db: str | None = None
    """SQLite key store; None: $CORDWIRE_KEYS_DB, then the default path."""
    no_auth: bool = False
    """Accept every caller (development only)."""
    redis_url: str | None = None
    """Share rate-limit buckets through Redis instead of this process's memory."""
    rate: float | None = None
    """Requests per second per key and chute; None: unlimited."""
    burst: int | None = None
    """Bucket size; defaults to max(1, rate)."""
    max_in_flight: int | None = None
    """Concurrent calls per chute beyond which calls get 429 at once."""


def build_admission(
    options: AdmissionOptions, on_dev_key: Callable[[str, str], None] | None = None
) -> Admission:
    """``on_dev_key(key, keys_db)`` announces a development key made just now (default: print it)."""
    if options.no_auth:
        print(
            "WARNING: --no-auth: every caller is accepted; never use it outside development", file=sys.stderr
        )
        authenticator: NoAuthAuthenticator | KeyAuthenticator = NoAuthAuthenticator()
    else:
        path = resolve_keys_db(options.keys_db)
        pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
        store = KeyStore(path)
        dev_key = ensure_dev_key(store)
        if dev_key is not None and on_dev_key is not None:
            on_dev_key(dev_key, str(path))
        elif dev_key is not None:
            # Shown once: only its hash is stored.
            print(f"Created a development API key (stored hashed in {path}); keep it, it is not shown again:")
            print(f"  {dev_key}", flush=True)
        authenticator = KeyAuthenticator(store)
    limiter = None
    if options.rate is not None:
        limit = RateLimit(rate=options.rate, burst=options.burst or max(1, int(options.rate)))
        store_ = RedisBucketStore.from_url(options.redis_url) if options.redis_url else None
        limiter = RateLimiter(RateLimitPolicy(default=limit), store_)
    return Admission(authenticator, rate_limiter=limiter, max_in_flight=options.max_in_flight)
