"""API keys: generated with ``secrets``, stored as salted HMAC-SHA256 digests in a SQLite file."""

from __future__ import annotations

import builtins
import hmac
import json
import logging
import os
import re
import secrets
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from cordwire import Code, CordError

from ._quota import Quota

__all__ = ["KEY_PREFIX", "KeyInfo", "KeyStore", "default_keys_db", "resolve_keys_db"]

_log = logging.getLogger("cordwire.admission")

KEY_PREFIX = "cw_"
# `cw_<12 hex id>_<43 url-safe chars>`: the id is hex, so the first `_` after it ends it even though
# the secret part may itself contain `_`.
_KEY_RE = re.compile(r"cw_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
_CHUTE_RE = re.compile(r"[A-Za-z0-9_.]+(?:-[A-Za-z0-9_.]+)+")
_CACHE_SIZE = 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    name    TEXT PRIMARY KEY,
    key_id  TEXT NOT NULL UNIQUE,
    salt    BLOB NOT NULL,
    digest  BLOB NOT NULL,          -- HMAC-SHA256(salt, raw key); the raw key is never stored
    chutes  TEXT NOT NULL,          -- JSON list of chute ids; [] = every chute
    created REAL NOT NULL,          -- unix time
    revoked REAL                    -- unix time, NULL while the key is live
)
"""
# Quotas live in their own table rather than new api_keys columns: a cordwire from before quotas
# keeps working on a migrated file (its positional INSERT into api_keys still fits), and the
# migration is one CREATE TABLE IF NOT EXISTS.
_QUOTA_SCHEMA = """
CREATE TABLE IF NOT EXISTS key_quotas (
    key_id   TEXT PRIMARY KEY,      -- api_keys.key_id
    requests INTEGER,               -- calls per window; NULL = unlimited
    tokens   INTEGER,               -- prompt + completion tokens per window; NULL = unlimited
    window   TEXT NOT NULL          -- 'day' or 'month' (UTC calendar windows)
)
"""
_SELECT = (
    "SELECT k.name, k.key_id, k.chutes, k.created, k.revoked, q.requests, q.tokens, q.window, k.salt, "
    "k.digest FROM api_keys k LEFT JOIN key_quotas q ON q.key_id = k.key_id"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyInfo:
    """What the store knows about a key; never the key itself."""

    name: str
    """Unique, operator-chosen name (what `cordwire keys revoke` takes)."""
    key_id: str
    """Short public id embedded in the key; safe to log."""
    chutes: tuple[str, ...]
    """Chute ids (``{username}-{name}``) the key may call; empty means every chute."""
    created: float
    """Creation time, unix seconds."""
    revoked: float | None = None
    """Revocation time, unix seconds, or None while the key is live."""
    quota: Quota | None = None
    """Requests and tokens the key may spend per window; None: unlimited."""

    def allows(self, chute_id: str) -> bool:
        return not self.chutes or chute_id in self.chutes


def default_keys_db() -> Path:
    """Per-user data dir (XDG), so keys never land inside a repository checkout by accident."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cordwire" / "keys.db"


def resolve_keys_db(path: str | os.PathLike[str] | None = None) -> Path:
    """``--keys-db`` if given, else ``$CORDWIRE_KEYS_DB``, else :func:`default_keys_db`."""
    chosen = path or os.environ.get("CORDWIRE_KEYS_DB")
    return Path(chosen).expanduser() if chosen else default_keys_db()


def _digest(salt: bytes, raw_key: str) -> bytes:
    # A fast MAC suffices: keys carry 256 bits from `secrets`, so brute force is hopeless however
    # fast each guess is; slow KDFs (scrypt, argon2) only help low-entropy human passwords.
    return hmac.digest(salt, raw_key.encode("ascii"), "sha256")  # one-shot C path of HMAC-SHA256


class KeyStore:
    """One SQLite file of hashed keys, safe to share between processes and threads.

    ``verify`` keeps successful lookups in a small LRU cache, and drops the whole cache whenever
    SQLite's ``data_version`` says another connection (another process) committed a change, so a
    revocation anywhere takes effect on the very next call at the cost of one PRAGMA.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.path.exists():
            # Digests are not keys, but there is no reason for other users to read them.
            self.path.touch(mode=0o600)
        # Autocommit (isolation_level=None): no read transaction stays open to hide other writers.
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[KeyInfo, bytes, bytes]] = OrderedDict()
        with self._lock:
            self._db.execute("PRAGMA busy_timeout = 5000")
            self._db.execute("PRAGMA journal_mode = WAL")  # readers never block the revoking writer
            self._db.execute(_SCHEMA)
            self._db.execute(_QUOTA_SCHEMA)
            self._version = self._data_version()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> KeyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def create(
        self, name: str, chutes: tuple[str, ...] | builtins.list[str] = (), *, quota: Quota | None = None
    ) -> str:
        """Add a key and return it; this is the only time the raw key exists outside the caller."""
        if not name or not name.isprintable() or len(name) > 128:
            raise CordError(Code.INVALID_ARGUMENT, "key name must be 1-128 printable characters")
        for chute in chutes:
            if not _CHUTE_RE.fullmatch(chute):
                raise CordError(Code.INVALID_ARGUMENT, f"not a chute id ({{username}}-{{name}}): {chute!r}")
        key_id = secrets.token_hex(6)
        raw_key = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        salt = secrets.token_bytes(16)
        row = (name, key_id, salt, _digest(salt, raw_key), json.dumps(sorted(set(chutes))), time.time())
        try:
            # One transaction: never a key without the quota it was created with.
            with self._lock, self._db:
                self._db.execute("BEGIN")
                self._db.execute(
                    "INSERT INTO api_keys (name, key_id, salt, digest, chutes, created, revoked) "
                    "VALUES (?, ?, ?, ?, ?, ?, NULL)",
                    row,
                )
                if quota is not None and quota.limited:
                    self._write_quota(key_id, quota)
        except sqlite3.IntegrityError:
            raise CordError(Code.ALREADY_EXISTS, f"a key named {name!r} exists already") from None
        _log.info("created API key name=%s id=%s", name, key_id)
        return raw_key

    def list(self) -> builtins.list[KeyInfo]:
        """Every key, revoked ones included, oldest first."""
        with self._lock:
            rows = self._db.execute(_SELECT + " ORDER BY k.created").fetchall()
        return [_info(*r[:8]) for r in rows]

    def get(self, name: str) -> KeyInfo | None:
        """The key named ``name``, revoked or not."""
        with self._lock:
            row = self._db.execute(_SELECT + " WHERE k.name = ?", (name,)).fetchone()
        return None if row is None else _info(*row[:8])

    def set_quota(self, name: str, quota: Quota | None) -> bool:
        """Replace the quota of the key named ``name`` (None: unlimited); False if there is no such key."""
        with self._lock:
            row = self._db.execute("SELECT key_id FROM api_keys WHERE name = ?", (name,)).fetchone()
            if row is None:
                return False
            with self._db:
                self._db.execute("BEGIN")
                self._db.execute("DELETE FROM key_quotas WHERE key_id = ?", (row[0],))
                if quota is not None and quota.limited:
                    self._write_quota(row[0], quota)
            self._cache.clear()
        _log.info("set quota of API key name=%s: %s", name, quota)
        return True

    def _write_quota(self, key_id: str, quota: Quota) -> None:
        self._db.execute(
            "INSERT INTO key_quotas (key_id, requests, tokens, window) VALUES (?, ?, ?, ?)",
            (key_id, quota.requests, quota.tokens, quota.window),
        )

    def revoke(self, name: str) -> bool:
        """Revoke a live key; False when no live key has that name."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE api_keys SET revoked = ? WHERE name = ? AND revoked IS NULL", (time.time(), name)
            )
            # Our own writes do not move our data_version, so forget cached keys explicitly.
            self._cache.clear()
        if cur.rowcount:
            _log.info("revoked API key name=%s", name)
        return cur.rowcount > 0

    def is_empty(self) -> bool:
        """No key was ever created (revoked keys count as keys)."""
        with self._lock:
            return self._db.execute("SELECT 1 FROM api_keys LIMIT 1").fetchone() is None

    def verify(self, raw_key: str) -> KeyInfo | None:
        """The live key matching ``raw_key``, or None. Never raises on malformed input."""
        match = _KEY_RE.fullmatch(raw_key) if isinstance(raw_key, str) else None
        if match is None:
            return None
        key_id = match.group(1)
        with self._lock:
            version = self._data_version()
            if version != self._version:
                self._cache.clear()
                self._version = version
            entry = self._cache.get(key_id)
            if entry is None:
                row = self._db.execute(
                    _SELECT + " WHERE k.key_id = ? AND k.revoked IS NULL", (key_id,)
                ).fetchone()
                if row is None:
                    return None  # timing reveals only whether the (public) key id exists
                entry = (_info(*row[:8]), row[8], row[9])
                self._cache[key_id] = entry
                if len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(key_id)
        info, salt, digest = entry
        # The cache saves the SQLite read only: the secret is checked on every call, in constant time.
        return info if hmac.compare_digest(_digest(salt, raw_key), digest) else None

    def _data_version(self) -> int:
        version: int = self._db.execute("PRAGMA data_version").fetchone()[0]
        return version


def _info(
    name: str,
    key_id: str,
    chutes: str,
    created: float,
    revoked: float | None,
    requests: int | None = None,
    tokens: int | None = None,
    window: str | None = None,
) -> KeyInfo:
    quota = None if window is None else Quota(requests=requests, tokens=tokens, window=window)  # type: ignore[arg-type]
    return KeyInfo(
        name=name,
        key_id=key_id,
        chutes=tuple(json.loads(chutes)),
        created=created,
        revoked=revoked,
        quota=quota,
    )
