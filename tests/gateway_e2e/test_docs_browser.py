"""The /docs page (Swagger UI) rendered by a real headless Chromium against a real socket.

Skipped when Chromium is not installed (Debian package ``chromium``).
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import struct
import zlib

import httpx
import numpy as np
import numpy.typing as npt
import pytest

from tests.browser import CHROMIUM, browser_page

from .conftest import Chutes, client_for, real_socket

WIDTH, HEIGHT = 1200, 900
SAVE_AS = os.environ.get("CORDWIRE_DOCS_SCREENSHOT")  # where to keep the screenshot, for docs/img

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (apt-get install chromium)")


@needs_chromium
@pytest.mark.slow
async def test_docs_page_renders_every_route(chutes: Chutes) -> None:
    gateway = chutes.gateways["in_process/single"]
    document = gateway.pages.document
    routes = sorted((verb, path) for path, ops in document["paths"].items() for verb in ops)
    async with real_socket(gateway) as base_url, browser_page(WIDTH, HEIGHT) as page:
        await page.goto(f"{base_url}/docs")
        await page.evaluate("waitFor('.opblock').then(() => true)")
        shown = await page.evaluate(
            "[...document.querySelectorAll('.opblock')].map((op) => ["
            "op.querySelector('.opblock-summary-method').textContent.toLowerCase(),"
            "op.querySelector('.opblock-summary-path').dataset.path])"
        )
        # The key can be set: the document's two schemes appear in the Authorize dialog.
        await page.evaluate("waitFor('.btn.authorize').then((b) => b.click())")
        schemes = await page.evaluate(
            "waitFor('.modal-ux .auth-container').then(() => "
            "[...document.querySelectorAll('.modal-ux .auth-container h4')].map((h) => h.textContent))"
        )
        await page.evaluate("document.querySelector('.modal-ux .close-modal').click()")
        shot = await page.screenshot()
    assert sorted(map(tuple, shown)) == routes
    assert any("ApiKeyHeader" in s for s in schemes) and any("BearerKey" in s for s in schemes)
    width, height, pixels = _decode_png(shot)
    assert (width, height) == (WIDTH, HEIGHT)
    rgb = pixels[:, :, :3].reshape(-1, 3)
    colours = np.unique(rgb, axis=0)
    not_white = int(np.count_nonzero((rgb != 255).any(axis=1)))
    assert len(colours) > 50, "a blank or single-colour page"
    assert not_white > len(rgb) // 20, "too little was drawn"
    if SAVE_AS:
        await asyncio.to_thread(pathlib.Path(SAVE_AS).write_bytes, shot)


async def test_docs_assets_come_from_the_gateway(chutes: Chutes) -> None:
    async with client_for(chutes.gateways["in_process/single"]) as client:
        await _check_assets(client)


async def _check_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200 and "docs/assets/swagger-ui-bundle.js" in page.text
    assert "http" not in page.text.split("<body>", 1)[1].replace("openapi.json", "")
    script = await client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert b"SwaggerUIBundle" in script.content
    assert (await client.get("/docs/assets/nothing.js")).status_code == 404


def _decode_png(data: bytes) -> tuple[int, int, npt.NDArray[np.uint8]]:
    """Width, height and pixels (height x width x channels) of an 8-bit, non-interlaced RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, (depth, colour_type, interlace)
    bpp = 3 if colour_type == 2 else 4
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, width * bpp + 1)
    out = np.zeros((height, width * bpp), np.uint8)
    prev = np.zeros(width * bpp, np.uint8)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:]
        if kind == 0:
            out[y] = line
        elif kind == 1:  # Sub: a running sum per channel
            out[y] = np.cumsum(line.reshape(width, bpp), axis=0, dtype=np.uint64).reshape(-1) % 256
        elif kind == 2:  # Up
            out[y] = line + prev
        else:  # Average and Paeth depend on the byte just decoded: byte by byte
            out[y] = _unfilter_slow(int(kind), line.tolist(), prev.tolist(), bpp)
        prev = out[y]
    return width, height, out.reshape(height, width, bpp)


def _unfilter_slow(kind: int, line: list[int], prev: list[int], bpp: int) -> list[int]:
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        if kind == 3:
            line[i] = (line[i] + (a + b) // 2) & 0xFF
            continue
        c = prev[i - bpp] if i >= bpp else 0
        pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
        line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
    return line
