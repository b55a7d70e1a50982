"""multipart/form-data bodies on any route: file parts to bytes/file fields, text parts to scalars."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from cordwire import Chute, UploadFile
from cordwire._target import load_target
from cordwire.testing import RunningChute, serve_chute
from tests.conftest import ROOT

forms = Chute(username="tests", name="forms")


@forms.cord(public_api_path="/describe")
async def describe(
    self: Any,
    image: bytes,
    caption: str = "",
    steps: int = 1,
    scale: float = 1.0,
    fast: bool = False,
    tags: list[str] = [],  # noqa: B006 (pydantic copies defaults)
    extra: dict[str, Any] = {},  # noqa: B006
) -> dict[str, Any]:
    sizes = {"size": len(image), "caption": caption, "steps": steps, "scale": scale, "fast": fast}
    return {**sizes, "tags": tags, "extra": extra}


@forms.cord(public_api_path="/files")
async def files(self: Any, documents: list[UploadFile]) -> dict[str, Any]:
    return {"names": [d.filename for d in documents], "sizes": [len(await d.read()) for d in documents]}


@pytest.fixture(scope="module")
async def running() -> AsyncIterator[RunningChute]:
    async with serve_chute(forms) as running:
        yield running


async def test_text_parts_fill_scalars_and_file_parts_fill_bytes(running: RunningChute) -> None:
    data = {
        "caption": "a cat",
        "steps": "3",
        "scale": "0.5",
        "fast": "true",
        "tags": ["x", "y"],
        "extra": '{"k": 1}',
    }
    response = await running.http.post(
        "/describe", data=data, files={"image": ("cat.png", b"\x89PNG\r\n", "image/png")}
    )
    expected = {"size": 6, "caption": "a cat", "steps": 3, "scale": 0.5, "fast": True}
    assert response.json() == {**expected, "tags": ["x", "y"], "extra": {"k": 1}}


async def test_repeated_file_parts(running: RunningChute) -> None:
    parts = [("documents", ("a.txt", b"aa", "text/plain")), ("documents", ("b.txt", b"bbb", "text/plain"))]
    assert (await running.http.post("/files", files=parts)).json() == {
        "names": ["a.txt", "b.txt"],
        "sizes": [2, 3],
    }


@pytest.mark.parametrize(("data", "param"), [
    ({"nope": "1"}, "nope"),
    ({"steps": "many"}, "steps"),
    ({"fast": "perhaps"}, "fast"),
    ({"image": ""}, "image"),  # the required file is missing: pydantic names it
])  # fmt: skip
async def test_bad_forms_name_the_field(running: RunningChute, data: dict[str, str], param: str) -> None:
    # httpx sends multipart only when there are files: a text part passed as a file without a name.
    parts: dict[str, tuple[str | None, bytes]] = {k: (None, v.encode()) for k, v in data.items() if v}
    if param != "image":
        parts["image"] = ("f.bin", b"1")
    response = await running.http.post("/describe", files=parts or {"caption": (None, b"x")})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


async def test_garbage_multipart_is_a_400(running: RunningChute) -> None:
    response = await running.http.post(
        "/describe",
        content=b"not multipart at all",
        headers={"content-type": "multipart/form-data; boundary=zz"},
    )
    assert response.status_code == 400


async def test_proto_first_route_with_a_body_field() -> None:
    bookstore = load_target(f"{ROOT}/examples/bookstore/chute.py:chute")
    async with serve_chute(bookstore) as running:
        form = {"title": "Dune", "author": "Herbert", "page_count": "412"}
        response = await running.http.post(
            "/v1/shelves/1/books", files={k: (None, v) for k, v in form.items()}
        )
        assert response.status_code == 200
        assert response.json()["title"] == "Dune" and response.json()["page_count"] == "412"
