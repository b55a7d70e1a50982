"""`cordwire keys create|list|revoke`, as argparse sub-commands the `cordwire` CLI mounts."""

from __future__ import annotations

import argparse
import sys
import time

from cordwire import CordError

from ._keys import KeyStore, resolve_keys_db

__all__ = ["add_keys_commands", "ensure_dev_key"]

DEV_KEY_NAME = "dev"


def add_keys_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``keys`` and its sub-commands.

    Each leaf sets ``func``: the caller runs ``sys.exit(args.func(args))`` after parsing.
    """
    keys = subparsers.add_parser("keys", help="manage API keys", description="Manage API keys.")
    commands = keys.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")

    create = commands.add_parser("create", help="create a key and print it (last line of stdout)")
    create.add_argument("--name", required=True, help="unique name, used to revoke the key")
    create.add_argument(
        "--chute",
        action="append",
        default=[],
        metavar="CHUTE",
        help="chute id ({username}-{name}) the key may call; repeatable; default: every chute",
    )
    create.set_defaults(func=_create)

    list_ = commands.add_parser("list", help="list keys (never shows the keys themselves)")
    list_.set_defaults(func=_list)

    revoke = commands.add_parser("revoke", help="revoke a key; running servers stop accepting it at once")
    revoke.add_argument("name", help="the key's name")
    revoke.set_defaults(func=_revoke)

    for command in (create, list_, revoke):
        command.add_argument(
            "--keys-db",
            metavar="PATH",
            help="SQLite key store (default: $CORDWIRE_KEYS_DB, else ~/.local/share/cordwire/keys.db)",
        )


def ensure_dev_key(store: KeyStore) -> str | None:
    """On an empty store, create a key named ``dev`` and return it (for `make serve` to print once)."""
    if not store.is_empty():
        return None
    try:
        return store.create(DEV_KEY_NAME)
    except CordError:
        return None  # another process won the race and created the first key


def _open(args: argparse.Namespace) -> KeyStore:
    return KeyStore(resolve_keys_db(args.keys_db))


def _create(args: argparse.Namespace) -> int:
    with _open(args) as store:
        try:
            raw_key = store.create(args.name, tuple(args.chute))
        except CordError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
        scope = ", ".join(args.chute) if args.chute else "every chute"
        print(f"Created key {args.name!r} for {scope} in {store.path}.")
        print("Store it now; it cannot be shown again:")
        print(raw_key)  # last line, so scripts can take it with `| tail -n1`
    return 0


def _list(args: argparse.Namespace) -> int:
    with _open(args) as store:
        infos = store.list()
    if not infos:
        print("no keys")
        return 0
    rows = [("NAME", "ID", "CHUTES", "CREATED", "STATUS")]
    for info in infos:
        status = "revoked " + _when(info.revoked) if info.revoked is not None else "active"
        rows.append((info.name, info.key_id, ",".join(info.chutes) or "*", _when(info.created), status))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with _open(args) as store:
        if store.revoke(args.name):
            print(f"Revoked key {args.name!r}.")
            return 0
    print(f"error: no active key named {args.name!r}", file=sys.stderr)
    return 1


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))
