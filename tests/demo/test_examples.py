"""The seed document's aiohttp clients (examples/clients/) run unchanged against the demo's socket."""

from __future__ import annotations

import asyncio
import os
import pathlib
import sys

import pytest

from tests.conftest import ROOT

from .conftest import API_KEY, Demo

pytestmark = pytest.mark.triton

CLIENTS = ROOT / "examples" / "clients"


async def _run(script: str, demo: Demo, cwd: pathlib.Path) -> str:
    env = {**os.environ, "CORDWIRE_URL": demo.url, "CORDWIRE_API_KEY": API_KEY}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(CLIENTS / script),
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_chat_example(demo: Demo, tmp_path: pathlib.Path) -> None:
    printed = await _run("chat.py", demo, tmp_path)
    assert printed.strip()


async def test_stream_example_matches_the_sse_body(demo: Demo, tmp_path: pathlib.Path) -> None:
    printed = await _run("stream.py", demo, tmp_path)
    assert printed.strip()
    assert "[DONE]" not in printed and "data:" not in printed


async def test_image_example_saves_a_png(demo: Demo, tmp_path: pathlib.Path) -> None:
    printed = await _run("image.py", demo, tmp_path)
    assert printed.strip() == "Image saved as generated_image.png"
    png = (tmp_path / "generated_image.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png[16:24] == (1024).to_bytes(4, "big") * 2  # IHDR width and height
