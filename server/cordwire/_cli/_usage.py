"""`cordwire keys usage NAME`: what a key spent, for the operator (and `--delete` to forget it)."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from typing import Any

from cordwire.server.admission import KeyStore, resolve_keys_db
from cordwire.server.usage._records import HOUR
from cordwire.server.usage._report import UsageQuery, render
from cordwire.server.usage._setup import open_store

from ._keys import add_keys_db_option

__all__ = ["add_usage_command", "parse_duration"]

_DURATION = re.compile(r"(\d{1,6})([mhdw])")
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> int:
    """Seconds from ``90m``, ``24h``, ``7d`` or ``2w``."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"expected a duration such as 90m, 24h, 7d or 2w, not {text!r}")
    return int(match.group(1)) * _UNITS[match.group(2)]


def add_usage_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    usage = commands.add_parser(
        "usage",
        help="a key's usage by chute, cord and model (servers write it every second)",
        description="Requests, errors, tokens, bytes and time a key spent, per UTC day.",
    )
    usage.add_argument("name", help="the key's name (revoked keys too)")
    usage.add_argument(
        "--since",
        type=parse_duration,
        default=30 * 86400,
        metavar="DURATION",
        help="e.g. 24h, 7d (default 30d)",
    )
    usage.add_argument(
        "--json", action="store_true", help="the /v1/usage shape, with errors by class and time"
    )
    usage.add_argument("--redis", metavar="URL", help="read the usage servers keep in Redis (serve --redis)")
    usage.add_argument("--delete", action="store_true", help="delete all of the key's usage records")
    add_keys_db_option(usage)
    usage.set_defaults(func=_usage)


def _usage(args: argparse.Namespace) -> int:
    keys_db = resolve_keys_db(args.keys_db)
    with KeyStore(keys_db) as keys:
        info = keys.get(args.name)
    if info is None:
        print(f"error: no key named {args.name!r}", file=sys.stderr)
        return 1
    return asyncio.run(_run(args, info.name, info.key_id, keys_db))


async def _run(args: argparse.Namespace, name: str, key_id: str, keys_db: Any) -> int:
    store = open_store(keys_db, args.redis)
    try:
        if args.delete:
            await store.delete(key_id)
            print(f"Deleted the usage of key {name!r}.")
            return 0
        now = time.time()
        query = UsageQuery(
            start=int((now - args.since) // HOUR) * HOUR,
            end=int(now // HOUR) * HOUR + HOUR,
            bucket="day",
            group_by=("chute", "cord", "model"),
        )
        report = render(await store.query(key_id, query.start, query.end), query, detail=True)
    finally:
        await store.aclose()
    if args.json:
        print(json.dumps({"key": name, "key_id": key_id, **report}, indent=2))
        return 0
    _print_table(name, report)
    return 0


def _print_table(name: str, report: dict[str, Any]) -> None:
    columns = (
        "requests",
        "errors_4xx",
        "errors_5xx",
        "prompt_tokens",
        "completion_tokens",
        "bytes_in",
        "bytes_out",
        "duration_s",
    )
    heads = ("DAY", "CHUTE", "CORD", "MODEL", "REQ", "4XX", "5XX", "PROMPT", "COMPL", "IN", "OUT", "TIME_S")
    rows: list[tuple[str, ...]] = [heads]
    for entry in report["data"]:
        rows.append(
            (
                entry["start"][:10],
                entry["chute"],
                entry["cord"],
                entry["model"] or "-",
                *(str(entry[c]) for c in columns),
            )
        )
    totals = report["totals"]
    rows.append(("total", "", "", "", *(str(totals[c]) for c in columns)))
    print(f"Usage of key {name!r}:")
    widths = [max(len(r[i]) for r in rows) for i in range(len(heads))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
