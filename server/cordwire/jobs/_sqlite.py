"""Job records in SQLite: one file in the jobs folder, shared by the chutes of one process."""

from __future__ import annotations

import pathlib
import sqlite3
from typing import Any

from ._backend import ListQuery
from ._records import JobRecord, Status

__all__ = ["SqliteRecords"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    chute TEXT NOT NULL,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs (chute, owner, seq);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (chute, status, seq);
"""


class SqliteRecords:
    """Synchronous and short: every statement touches a few rows through an index."""

    def __init__(self, path: pathlib.Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def insert(self, record: JobRecord, queue_limit: int) -> JobRecord | None:
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            (queued,) = self._db.execute(
                "SELECT COUNT(*) FROM jobs WHERE chute = ? AND status = 'queued'", (record.chute,)
            ).fetchone()
            if queued >= queue_limit:
                return None
            cursor = self._db.execute(
                "INSERT INTO jobs (id, chute, owner, name, status, record) VALUES (?, ?, ?, ?, ?, '')",
                (record.id, record.chute, record.owner, record.name, record.status.value),
            )
            stored = record.replace(seq=int(cursor.lastrowid or 0))
            self._db.execute("UPDATE jobs SET record = ? WHERE seq = ?", (stored.to_json(), stored.seq))
        return stored

    def get(self, chute: str, job_id: str) -> JobRecord | None:
        row = self._db.execute(
            "SELECT record FROM jobs WHERE id = ? AND chute = ?", (job_id, chute)
        ).fetchone()
        return None if row is None else JobRecord.from_json(row[0])

    def put(self, record: JobRecord, expect: tuple[Status, ...]) -> bool:
        marks = ",".join("?" * len(expect))
        cursor = self._db.execute(
            f"UPDATE jobs SET status = ?, record = ? WHERE id = ? AND status IN ({marks})",
            (record.status.value, record.to_json(), record.id, *(s.value for s in expect)),
        )
        return cursor.rowcount == 1

    def with_status(self, chute: str, status: Status) -> list[JobRecord]:
        rows = self._db.execute(
            "SELECT record FROM jobs WHERE chute = ? AND status = ? ORDER BY seq", (chute, status.value)
        )
        return [JobRecord.from_json(r[0]) for r in rows]

    def list(self, chute: str, query: ListQuery) -> tuple[list[JobRecord], bool]:
        sql = "SELECT record FROM jobs WHERE chute = ? AND owner = ?"
        args: list[Any] = [chute, query.owner]
        if query.status is not None:
            sql += " AND status = ?"
            args.append(query.status.value)
        if query.name:
            sql += " AND name = ?"
            args.append(query.name)
        if query.before_seq is not None:
            sql += " AND seq < ?"
            args.append(query.before_seq)
        sql += " ORDER BY seq DESC LIMIT ?"
        args.append(query.limit + 1)
        records = [JobRecord.from_json(r[0]) for r in self._db.execute(sql, args)]
        return records[: query.limit], len(records) > query.limit
