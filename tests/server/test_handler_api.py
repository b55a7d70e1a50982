"""The handler-facing API: what `cordwire` exports, per-chute state, guarded framework attributes,
the two ways to declare cords, and start-up errors as one family."""

from __future__ import annotations

import pathlib
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest

import cordwire
from cordwire import Chute, ChuteDefinitionError, CordContext, DefinitionError
from cordwire._protos import ProtoCompileError
from cordwire._target import TargetError
from cordwire.gateway._templates import RouteError, TemplateError


def test_cord_context_is_exported_for_type_hints() -> None:
    assert "CordContext" in cordwire.__all__
    ctx = CordContext(metadata={"a": "b"}, transport="http")
    assert ctx.metadata["a"] == "b"


@pytest.mark.parametrize(
    "error", [ChuteDefinitionError, ProtoCompileError, TargetError, RouteError, TemplateError]
)
def test_start_up_errors_share_one_base(error: type[Exception]) -> None:
    assert issubclass(error, DefinitionError) and issubclass(error, ValueError)


def test_state_is_the_chutes_own() -> None:
    chute = Chute(username="me", name="stateful")
    chute.state.model = "weights"
    chute.tokenizer = "mine"  # new names on the chute itself stay allowed, as in Chutes
    assert chute.state.model == "weights" and chute.tokenizer == "mine"
    assert Chute(username="me", name="other").state is not chute.state
    chute.state = {"replaced": True}  # the user's own: it may be replaced whole
    assert chute.state == {"replaced": True}


@pytest.mark.parametrize("attribute", ["name", "username", "model_repository", "cord", "triton"])
def test_framework_attributes_cannot_be_replaced(attribute: str) -> None:
    chute = Chute(username="me", name="guarded")
    with pytest.raises(AttributeError, match=f"'{attribute}' is cordwire's attribute"):
        setattr(chute, attribute, "oops")
    assert chute.name == "guarded"


def test_rpc_and_cord_bind_proto_first_cords_alike() -> None:
    chute = Chute(username="me", name="rpc", service="grpc.health.v1.Health")

    @chute.rpc("Check")
    async def check(self: Chute, request: object, context: CordContext) -> dict[str, str]:
        return {"status": "SERVING"}

    @chute.cord("Watch")  # the older spelling keeps working
    async def watch(self: Chute, request: object, context: CordContext) -> AsyncIterator[dict[str, str]]:
        yield {"status": "SERVING"}

    with pytest.raises(ChuteDefinitionError, match="not an RPC"):
        chute.rpc("Nope")
    assert set(chute.cords()) == {"Check", "Watch"}


BROKEN = """
from cordwire import Chute
chute = Chute(username="me", name="broken")

@chute.cord(public_api_path="/hello", method="GET")
async def hello(self) -> str:
    return "hello"

@chute.on_startup()
async def setup(self):
    raise ValueError("the user's own mistake")
"""


def test_a_users_error_in_a_hook_keeps_its_traceback(tmp_path: pathlib.Path) -> None:
    target = tmp_path / "broken.py"
    target.write_text(BROKEN)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cordwire",
            "serve",
            f"{target}:chute",
            "--http-port",
            "0",
            "--grpc-port",
            "0",
            "--no-auth",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "the user's own mistake" in result.stderr
    assert f'{target}", line 11, in setup' in result.stderr
