"""The key store: real SQLite files, a second store instance standing in for another process."""

from __future__ import annotations

import hmac
import logging
import re
import stat
from pathlib import Path

import pytest

from cordwire import Code, CordError
from cordwire.server.admission import KEY_PREFIX, KeyStore, _keys, default_keys_db, resolve_keys_db


def test_create_list_revoke(store: KeyStore) -> None:
    assert store.is_empty()
    alice = store.create("alice")
    bob = store.create("bob", ["me-chat", "me-embed"])
    assert re.fullmatch(r"cw_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", alice) and alice.startswith(KEY_PREFIX)
    assert alice != bob and not store.is_empty()

    infos = {i.name: i for i in store.list()}
    assert infos["alice"].chutes == () and infos["bob"].chutes == ("me-chat", "me-embed")
    assert infos["alice"].key_id in alice and infos["alice"].revoked is None
    assert all(alice not in repr(i) and bob not in repr(i) for i in infos.values())

    assert store.revoke("alice") is True
    assert store.revoke("alice") is False  # already revoked
    assert store.revoke("nobody") is False
    assert store.list()[0].revoked is not None
    assert not store.is_empty()  # revoked keys still count: the operator has managed keys


def test_verify(store: KeyStore) -> None:
    key = store.create("alice", ["me-chat"])
    info = store.verify(key)
    assert info is not None and info.name == "alice" and info.allows("me-chat") and not info.allows("x-y")
    assert store.verify(key) == info  # served from the cache, still checked
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    for bad in (tampered, "", "cw_", key + "x", key.upper(), "Bearer " + key, "cw_000000000000_" + "a" * 43):
        assert store.verify(bad) is None, bad
    assert store.verify(None) is None  # type: ignore[arg-type]


def test_duplicate_name_and_bad_input(store: KeyStore) -> None:
    store.create("alice")
    with pytest.raises(CordError) as err:
        store.create("alice")
    assert err.value.code is Code.ALREADY_EXISTS
    for name, chutes in (("", ()), ("x\n", ()), ("ok", ("nodash",)), ("ok", ("a b-c",))):
        with pytest.raises(CordError) as err:
            store.create(name, chutes)
        assert err.value.code is Code.INVALID_ARGUMENT


def test_raw_key_nowhere_in_db_files(keys_db: Path, store: KeyStore) -> None:
    keys = [store.create(f"k{i}", ["me-chat"]) for i in range(5)]
    for key in keys:
        assert store.verify(key) is not None
    store.close()
    blob = b"".join(p.read_bytes() for p in keys_db.parent.iterdir())  # the db, -wal and -shm files
    assert blob  # the check below would pass vacuously on nothing
    for key in keys:
        secret = key[len("cw_0123456789ab_") :]
        assert key.encode() not in blob and secret.encode() not in blob and secret[:16].encode() not in blob


def test_db_file_is_private(keys_db: Path, store: KeyStore) -> None:
    assert stat.S_IMODE(keys_db.stat().st_mode) == 0o600


def test_constant_time_compare(store: KeyStore, monkeypatch: pytest.MonkeyPatch) -> None:
    key = store.create("alice")
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(_keys.hmac, "compare_digest", spy)
    assert store.verify(key) is not None  # from SQLite
    assert store.verify(key) is not None  # from the cache: still compared
    assert store.verify(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert len(calls) == 3 and all(len(a) == len(b) == 32 for a, b in calls)


def test_revocation_by_another_process_is_immediate(keys_db: Path, store: KeyStore) -> None:
    key = store.create("alice")
    other = store.create("bob")
    assert store.verify(key) is not None  # now cached
    with KeyStore(keys_db) as cli:  # what `cordwire keys revoke` does, from its own process
        assert cli.revoke("alice")
    assert store.verify(key) is None  # no TTL to wait out
    assert store.verify(other) is not None


def test_keys_created_elsewhere_are_seen(keys_db: Path, store: KeyStore) -> None:
    assert store.verify("cw_000000000000_" + "a" * 43) is None
    with KeyStore(keys_db) as cli:
        key = cli.create("late")
    assert store.verify(key) is not None


def test_keys_never_logged(store: KeyStore, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    key = store.create("alice", ["me-chat"])
    store.verify(key)
    store.verify(key + "x")
    store.revoke("alice")
    store.verify(key)
    assert "alice" in caplog.text  # something was logged, so the absence below means something
    assert key not in caplog.text and key[16:] not in caplog.text


def test_db_path_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CORDWIRE_KEYS_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_keys_db() == tmp_path / "xdg" / "cordwire" / "keys.db"
    assert resolve_keys_db() == default_keys_db()
    monkeypatch.setenv("CORDWIRE_KEYS_DB", str(tmp_path / "env.db"))
    assert resolve_keys_db() == tmp_path / "env.db"
    assert resolve_keys_db(tmp_path / "flag.db") == tmp_path / "flag.db"
