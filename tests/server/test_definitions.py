"""A wrongly defined chute fails at start-up with a message that says what to fix."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from cordwire import Chute, ChuteDefinitionError
from cordwire.server import ChuteServer

from .conftest import BOOKSTORE  # noqa: F401  (loads bookstore.proto into the pool)

SERVICE = "bookstore.v1.Bookstore"


def make() -> Chute:
    return Chute(username="u", name="n", service=SERVICE)


async def unary(self: Any, request: Any, context: Any) -> dict[str, Any]:
    return {}


async def streaming(self: Any, request: Any, context: Any) -> AsyncIterator[dict[str, Any]]:
    yield {}


def sync_unary(self: Any, request: Any, context: Any) -> dict[str, Any]:
    return {}


@pytest.mark.parametrize(
    ("rpc", "handler", "message"),
    [
        ("GetBook", streaming, "must not yield"),
        ("ListBooks", unary, "needs an async generator"),
        ("ListBooks", sync_unary, "needs an async generator"),
        ("Chat", unary, "needs an async generator"),
        ("AddBooks", sync_unary, "handler must be async"),
        ("GetBook", lambda request: None, r"must take \(self, request, context\)"),
        ("GetBook", 42, "not callable"),
    ],
    ids=[
        "unary-yields",
        "stream-returns",
        "stream-sync",
        "bidi-returns",
        "client-stream-sync",
        "arity",
        "value",
    ],
)
def test_wrong_handler_shape_is_rejected_at_registration(rpc: str, handler: Any, message: str) -> None:
    with pytest.raises(ChuteDefinitionError, match=message):
        make().cord(rpc)(handler)


def test_unknown_rpc_name_lists_the_real_ones() -> None:
    with pytest.raises(
        ChuteDefinitionError, match=r"'GetBok' is not an RPC of bookstore.v1.Bookstore.*GetBook"
    ):
        make().cord("GetBok")


def test_two_handlers_for_one_rpc_are_rejected() -> None:
    chute = make()
    chute.cord("GetBook")(unary)
    with pytest.raises(ChuteDefinitionError, match="two handlers"):
        chute.cord("GetBook")(unary)


def test_missing_handlers_fail_before_the_server_starts() -> None:
    chute = make()
    chute.cord("GetBook")(unary)
    with pytest.raises(ChuteDefinitionError, match="no handler for CreateBook"):
        ChuteServer(chute, grpc_port=0)


def test_unknown_service_name_says_how_to_load_it() -> None:
    with pytest.raises(ValueError, match="not in the descriptor pool"):
        Chute(username="u", name="n", service="nope.v1.Nothing")
