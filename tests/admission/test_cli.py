"""`cordwire keys ...` through the argparse wiring the `cordwire` CLI mounts."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cordwire._cli._keys import add_keys_commands
from cordwire.server.admission import KeyStore, ensure_dev_key

# What the lead's `cordwire` entry point does with the commands we register.
_MAIN = """
import argparse, sys
from cordwire._cli._keys import add_keys_commands
parser = argparse.ArgumentParser(prog="cordwire")
add_keys_commands(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args()
sys.exit(args.func(args))
"""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="cordwire")
    add_keys_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_create_in_a_subprocess_prints_key_last(tmp_path: Path) -> None:
    db = tmp_path / "keys.db"
    env = {**os.environ, "CORDWIRE_KEYS_DB": str(db)}  # the env var, as a deployment would set it
    proc = subprocess.run(
        [sys.executable, "-c", _MAIN, "keys", "create", "--name", "ci", "--chute", "me-chat"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=60,
    )
    key = proc.stdout.splitlines()[-1]
    with KeyStore(db) as store:
        info = store.verify(key)
    assert info is not None and info.name == "ci" and info.chutes == ("me-chat",)
    assert key not in proc.stderr


def test_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--keys-db", str(tmp_path / "keys.db")]
    code, out, _ = run(["keys", "create", "--name", "alice", *db], capsys)
    key = out.splitlines()[-1]
    assert code == 0 and key.startswith("cw_")
    code, out, _ = run(["keys", "create", "--name", "bob", "--chute", "me-a", "--chute", "me-b", *db], capsys)
    assert code == 0

    code, out, _ = run(["keys", "list", *db], capsys)
    assert code == 0 and key not in out and key[16:] not in out
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "ID", "CHUTES", "QUOTA", "CREATED", "STATUS"]
    assert "alice" in lines[1] and key[3:15] in lines[1] and "*" in lines[1] and "active" in lines[1]
    assert "me-a,me-b" in lines[2]

    assert run(["keys", "revoke", "alice", *db], capsys)[0] == 0
    assert "revoked" in run(["keys", "list", *db], capsys)[1].splitlines()[1]
    code, _, err = run(["keys", "revoke", "alice", *db], capsys)
    assert code == 1 and "no active key" in err


def test_create_errors_go_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--keys-db", str(tmp_path / "keys.db")]
    run(["keys", "create", "--name", "alice", *db], capsys)
    code, out, err = run(["keys", "create", "--name", "alice", *db], capsys)
    assert code == 1 and out == "" and "exists already" in err
    code, out, err = run(["keys", "create", "--name", "x", "--chute", "nodash", *db], capsys)
    assert code == 1 and out == "" and "chute id" in err


def test_list_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["keys", "list", "--keys-db", str(tmp_path / "k.db")], capsys)[1] == "no keys\n"


def test_ensure_dev_key(store: KeyStore) -> None:
    key = ensure_dev_key(store)
    assert key is not None and store.verify(key) is not None and store.list()[0].name == "dev"
    assert ensure_dev_key(store) is None  # only ever on an empty store
    store.revoke("dev")
    assert ensure_dev_key(store) is None  # a revoked dev key stays revoked
