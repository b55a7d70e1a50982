"""Usage rows in a SQLite file beside the keys DB (``keys.db`` → ``keys.usage.db``)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path

from ._records import COUNTERS, HOUR, RETENTION_DAYS, Counts, Row

__all__ = ["SqliteUsageStore", "usage_db_beside"]

_COLUMNS = ", ".join(COUNTERS)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS usage (
    key_id TEXT NOT NULL,
    hour   INTEGER NOT NULL,        -- unix seconds, start of the UTC hour
    chute  TEXT NOT NULL,
    cord   TEXT NOT NULL,
    model  TEXT NOT NULL,           -- '' when the cord named none
    {", ".join(f"{c} INTEGER NOT NULL DEFAULT 0" for c in COUNTERS)},
    PRIMARY KEY (key_id, hour, chute, cord, model)
)
"""
_UPSERT = (
    f"INSERT INTO usage (key_id, hour, chute, cord, model, {_COLUMNS}) "
    f"VALUES (?, ?, ?, ?, ?, {', '.join('?' for _ in COUNTERS)}) "
    "ON CONFLICT (key_id, hour, chute, cord, model) DO UPDATE SET "
    + ", ".join(f"{c} = {c} + excluded.{c}" for c in COUNTERS)
)


def usage_db_beside(keys_db: str | os.PathLike[str]) -> Path:
    """The usage file of a keys DB: a file of its own, so that usage writes (every second) never
    invalidate the key store's verify cache, which drops on any commit to the keys file."""
    path = Path(keys_db)
    return path.with_name(path.stem + ".usage" + (path.suffix or ".db"))


class SqliteUsageStore:
    """Adds rows up (upserts) and reads them back; every call runs in a worker thread."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.path.exists():
            self.path.touch(mode=0o600)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        self._pruned = 0.0
        with self._lock:
            self._db.execute("PRAGMA busy_timeout = 5000")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute(_SCHEMA)

    async def add(self, rows: list[Row]) -> None:
        await asyncio.to_thread(self._add, rows)

    def _add(self, rows: list[Row]) -> None:
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(_UPSERT, [(*slot, *counts) for slot, counts in rows])
            now = time.time()
            if now - self._pruned > HOUR:
                self._pruned = now
                self._db.execute("DELETE FROM usage WHERE hour < ?", (now - RETENTION_DAYS * 86400,))

    async def query(self, key_id: str, start: int, end: int) -> list[Row]:
        """Rows of ``key_id`` whose hour starts in [start, end)."""
        return await asyncio.to_thread(self._query, key_id, start, end)

    def _query(self, key_id: str, start: int, end: int) -> list[Row]:
        with self._lock:
            found = self._db.execute(
                f"SELECT key_id, hour, chute, cord, model, {_COLUMNS} FROM usage "
                "WHERE key_id = ? AND hour >= ? AND hour < ?",
                (key_id, start, end),
            ).fetchall()
        return [((r[0], r[1], r[2], r[3], r[4]), list(r[5:])) for r in found]

    async def totals(self, key_id: str, start: int, end: int) -> Counts:
        rows = await self.query(key_id, start, end)
        out = [0] * len(COUNTERS)
        for _, counts in rows:
            for i, value in enumerate(counts):
                out[i] += value
        return out

    async def delete(self, key_id: str) -> int:
        return await asyncio.to_thread(self._delete, key_id)

    def _delete(self, key_id: str) -> int:
        with self._lock:
            return self._db.execute("DELETE FROM usage WHERE key_id = ?", (key_id,)).rowcount

    async def aclose(self) -> None:
        with self._lock:
            self._db.close()
