"""`cordwire keys create|list|update|revoke`: argparse sub-commands of the `cordwire` CLI."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TypeAlias

from cordwire import CordError
from cordwire.server.admission import WINDOWS, KeyInfo, KeyStore, Quota, resolve_keys_db

__all__ = ["add_keys_commands", "add_keys_db_option", "describe_quota"]


Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_keys_commands(subparsers: Commands) -> Commands:
    """Register ``keys`` and its sub-commands; returns them, for more (`keys usage`) to join.

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
    _add_quota_options(create)
    create.set_defaults(func=_create)

    list_ = commands.add_parser("list", help="list keys (never shows the keys themselves)")
    list_.set_defaults(func=_list)

    update = commands.add_parser("update", help="change a key's quota (running servers apply it at once)")
    update.add_argument("name", help="the key's name")
    _add_quota_options(update)
    update.add_argument("--no-quota", action="store_true", help="remove the key's quota altogether")
    update.set_defaults(func=_update)

    revoke = commands.add_parser("revoke", help="revoke a key; running servers stop accepting it at once")
    revoke.add_argument("name", help="the key's name")
    revoke.set_defaults(func=_revoke)

    for command in (create, list_, update, revoke):
        add_keys_db_option(command)
    return commands


def add_keys_db_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--keys-db",
        metavar="PATH",
        help="SQLite key store (default: $CORDWIRE_KEYS_DB, else ~/.local/share/cordwire/keys.db)",
    )


def _limit(text: str) -> int | None:
    if text.lower() in ("none", "unlimited"):
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or 'none', not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("a quota cannot be negative")
    return value


_UNSET: object = object()


def _add_quota_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--quota-requests",
        type=_limit,
        default=_UNSET,
        metavar="R",
        help="calls allowed per quota window ('none': unlimited); over it, calls get 429 quota_exceeded",
    )
    command.add_argument(
        "--quota-tokens",
        type=_limit,
        default=_UNSET,
        metavar="T",
        help="prompt + completion tokens allowed per quota window ('none': unlimited)",
    )
    command.add_argument(
        "--quota-window",
        choices=WINDOWS,
        default=None,
        help="the quota's window, a UTC calendar day or month (default: day, or the key's current one)",
    )


def _quota(args: argparse.Namespace, current: Quota | None) -> Quota | None:
    """The quota the options ask for, starting from ``current``; None when they name no quota."""
    if args.quota_requests is _UNSET and args.quota_tokens is _UNSET and args.quota_window is None:
        return current
    base = current or Quota()
    requests = base.requests if args.quota_requests is _UNSET else args.quota_requests
    tokens = base.tokens if args.quota_tokens is _UNSET else args.quota_tokens
    return Quota(requests=requests, tokens=tokens, window=args.quota_window or base.window)


def _open(args: argparse.Namespace) -> KeyStore:
    return KeyStore(resolve_keys_db(args.keys_db))


def _create(args: argparse.Namespace) -> int:
    with _open(args) as store:
        try:
            raw_key = store.create(args.name, tuple(args.chute), quota=_quota(args, None))
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
    rows = [("NAME", "ID", "CHUTES", "QUOTA", "CREATED", "STATUS")]
    for info in infos:
        status = "revoked " + _when(info.revoked) if info.revoked is not None else "active"
        chutes = ",".join(info.chutes) or "*"
        rows.append((info.name, info.key_id, chutes, describe_quota(info), _when(info.created), status))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _update(args: argparse.Namespace) -> int:
    with _open(args) as store:
        info = store.get(args.name)
        if info is None:
            print(f"error: no key named {args.name!r}", file=sys.stderr)
            return 1
        quota = None if args.no_quota else _quota(args, info.quota)
        if quota is info.quota and not args.no_quota:
            print(
                "error: nothing to change: give --quota-requests, --quota-tokens, --quota-window "
                "or --no-quota",
                file=sys.stderr,
            )
            return 2
        store.set_quota(args.name, quota)
        updated = store.get(args.name)
    print(f"Key {args.name!r}: quota {describe_quota(updated) if updated else '-'}.")
    return 0


def describe_quota(info: KeyInfo) -> str:
    quota = info.quota
    if quota is None or not quota.limited:
        return "-"
    parts = []
    if quota.requests is not None:
        parts.append(f"{quota.requests} req")
    if quota.tokens is not None:
        parts.append(f"{quota.tokens} tok")
    return f"{'+'.join(parts)}/{quota.window}"


def _revoke(args: argparse.Namespace) -> int:
    with _open(args) as store:
        if store.revoke(args.name):
            print(f"Revoked key {args.name!r}.")
            return 0
    print(f"error: no active key named {args.name!r}", file=sys.stderr)
    return 1


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))
