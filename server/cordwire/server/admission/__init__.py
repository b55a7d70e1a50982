"""Admission for both transports: API keys, authentication, rate limits, concurrency bounds.

Transport-neutral: callers pass HTTP headers or gRPC metadata and a chute id, and get back a
:class:`Principal` or a :class:`cordwire.CordError` that each transport renders its own way.
"""

from ._admission import Admission
from ._auth import ANONYMOUS, Authenticator, KeyAuthenticator, Metadata, NoAuthAuthenticator, Principal
from ._concurrency import ConcurrencyLimiter
from ._dev_key import ensure_dev_key
from ._guard import admission_guard, concurrency_guard, key_check
from ._keys import KEY_PREFIX, KeyInfo, KeyStore, default_keys_db, resolve_keys_db
from ._quota import WINDOWS, Quota, Window
from ._ratelimit import BucketStore, MemoryBucketStore, RateLimit, RateLimiter, RateLimitPolicy
from ._redis import RedisBucketStore

__all__ = [
    "ANONYMOUS",
    "KEY_PREFIX",
    "WINDOWS",
    "Admission",
    "Authenticator",
    "BucketStore",
    "ConcurrencyLimiter",
    "KeyAuthenticator",
    "KeyInfo",
    "KeyStore",
    "MemoryBucketStore",
    "Metadata",
    "NoAuthAuthenticator",
    "Principal",
    "Quota",
    "RateLimit",
    "RateLimitPolicy",
    "RateLimiter",
    "RedisBucketStore",
    "Window",
    "admission_guard",
    "concurrency_guard",
    "default_keys_db",
    "ensure_dev_key",
    "key_check",
    "resolve_keys_db",
]
