"""Authentication from HTTP headers and gRPC metadata; 401 versus 403."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from cordwire import Code, CordError
from cordwire.server.admission import KeyAuthenticator, KeyStore, NoAuthAuthenticator, Principal


@pytest.fixture
def auth(store: KeyStore) -> KeyAuthenticator:
    return KeyAuthenticator(store)


def _fails(auth: KeyAuthenticator, metadata: Mapping[str, str], chute: str = "me-chat") -> CordError:
    with pytest.raises(CordError) as err:
        auth.authenticate(metadata, chute)
    return err.value


@pytest.mark.parametrize(
    "headers",
    [
        {"x-api-key": "{key}"},
        {"X-API-Key": "{key}"},
        {"Authorization": "Bearer {key}"},
        {"authorization": "bearer   {key} "},
        {"x-api-key": "{key}", "authorization": "Bearer something-else"},
    ],
    ids=["x-api-key", "X-API-Key", "Bearer", "bearer-loose", "x-api-key-wins"],
)
def test_key_accepted(auth: KeyAuthenticator, store: KeyStore, headers: dict[str, str]) -> None:
    key = store.create("alice")
    metadata = {k: v.format(key=key) for k, v in headers.items()}
    assert auth.authenticate(metadata, "me-chat") == Principal(
        name="alice", key_id=key[3:15], chute_id="me-chat"
    )


def test_grpc_metadata_pairs(auth: KeyAuthenticator, store: KeyStore) -> None:
    key = store.create("alice")
    # grpc.aio's invocation_metadata(): (key, value) pairs, binary values for `-bin` keys.
    pairs = (("user-agent", "grpc-python"), ("trace-bin", b"\x00"), ("authorization", f"Bearer {key}"))
    assert auth.authenticate(pairs, "me-chat").name == "alice"


@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "Basic dXNlcjpwYXNz"}, {"authorization": "Bearer "}, {"x-api-key": "  "}],
    ids=["none", "basic", "empty-bearer", "blank-x-api-key"],
)
def test_missing_key_is_401(auth: KeyAuthenticator, headers: dict[str, str]) -> None:
    err = _fails(auth, headers)
    assert err.code is Code.UNAUTHENTICATED and err.http_status == 401
    assert err.to_json()["error"] == {
        "message": err.message,
        "type": "authentication_error",
        "param": None,
        "code": "invalid_api_key",
    }
    assert err.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_and_revoked_keys_are_401(auth: KeyAuthenticator, store: KeyStore) -> None:
    key = store.create("alice")
    unknown = "cw_0123456789ab_" + "x" * 43
    assert _fails(auth, {"x-api-key": unknown}).code is Code.UNAUTHENTICATED
    store.revoke("alice")
    err = _fails(auth, {"x-api-key": key})
    assert err.code is Code.UNAUTHENTICATED and err.reason == "invalid_api_key"
    assert key not in err.message and key[16:24] not in err.message


def test_key_scoped_to_chutes_is_403_elsewhere(auth: KeyAuthenticator, store: KeyStore) -> None:
    key = store.create("alice", ["me-chat", "me-embed"])
    assert auth.authenticate({"x-api-key": key}, "me-embed").chute_id == "me-embed"
    err = _fails(auth, {"x-api-key": key}, chute="you-chat")
    assert err.code is Code.PERMISSION_DENIED and err.http_status == 403
    assert err.to_json()["error"]["type"] == "permission_error"
    assert key not in err.message


def test_no_auth_admits_everyone() -> None:
    principal = NoAuthAuthenticator().authenticate({}, "me-chat")
    assert principal == Principal(name="anonymous", key_id=None, chute_id="me-chat")
