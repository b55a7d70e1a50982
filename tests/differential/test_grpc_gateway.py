"""The differential run: every transcoding table request against cordwire and grpc-gateway v2.

Each request's two answers either agree, or differ in a way differences.json lists beside the
google.api.http / proto3 JSON / RFC text that makes cordwire's answer the right one. A difference
not listed fails (a regression, or a new deliberate one to justify); so does a listed one that
disappears (the list must stay true).
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from .conftest import Peers
from .corpus import Request, load, outcome, send

DIFFERENCES = pathlib.Path(__file__).resolve().parent / "differences.json"
REQUESTS = load()


def _listed() -> dict[str, tuple[dict[str, Any], list[Any]]]:
    """Request id → (its reason, [cordwire status, grpc-gateway status])."""
    listed = {}
    for reason in json.loads(DIFFERENCES.read_text()):
        assert {"difference", "rule", "source", "cases"} <= reason.keys(), reason
        for rid, statuses in reason["cases"].items():
            assert rid not in listed, f"{rid} is listed twice"
            listed[rid] = (reason, statuses)
    return listed


LISTED = _listed()


def test_every_listed_case_is_sent() -> None:
    sent = {r.id for r in REQUESTS}
    assert not LISTED.keys() - sent, f"differences.json lists requests no table sends: {LISTED.keys() - sent}"


@pytest.mark.parametrize("request_", [pytest.param(r, id=r.id) for r in REQUESTS])
async def test_same_answer_or_a_listed_difference(peers: Peers, request_: Request) -> None:
    ours = outcome(await send(peers.cordwire, request_), sse=True)
    theirs = outcome(await send(peers.grpc_gateway, request_), sse=False)
    listed = LISTED.get(request_.id)
    seen = f"{request_.method} {request_.target}: cordwire {ours}, grpc-gateway {theirs}"
    if ours == theirs:
        assert listed is None, f"listed difference disappeared ({listed[0]['difference']}): {seen}"
        return
    assert listed is not None, f"unlisted difference: {seen}"
    assert [ours[0], theirs[0]] == listed[1], f"listed as {listed[1]}: {seen}"
