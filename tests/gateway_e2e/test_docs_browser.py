"""The /docs page rendered by a real headless Chromium against a real socket (no network besides it).

Skipped when Chromium is not installed (Debian package ``chromium``).
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import shutil
import struct
import tempfile
import zlib

import numpy as np
import numpy.typing as npt
import pytest

from .conftest import Chutes, real_socket

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTH, HEIGHT = 1200, 900
SAVE_AS = os.environ.get("CORDWIRE_DOCS_SCREENSHOT")  # where to keep the screenshot, for docs/img

pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (apt-get install chromium)")]


async def _chromium(*args: str, timeout: float = 60.0) -> str:
    with tempfile.TemporaryDirectory() as profile:
        proc = await asyncio.create_subprocess_exec(
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode()


@pytest.mark.slow
async def test_docs_page_renders_in_headless_chromium(chutes: Chutes, tmp_path: pathlib.Path) -> None:
    gateway = chutes.gateways["in_process/single"]
    document = gateway.pages.document
    routes = [(verb, path) for path, ops in document["paths"].items() for verb in ops]
    png = tmp_path / "docs.png"
    async with real_socket(gateway) as base_url:
        dom = await _chromium("--dump-dom", f"{base_url}/docs")
        await _chromium(f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}", f"{base_url}/docs")
    # The script ran and listed every route.
    assert f'data-rendered="{len(routes)}"' in dom
    for verb, path in routes:
        assert f'data-method="{verb}" data-path="{path}"' in dom
    width, height, pixels = _decode_png(png.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    rgb = pixels[:, :, :3].reshape(-1, 3)
    colours = np.unique(rgb, axis=0)
    not_white = int(np.count_nonzero((rgb != 255).any(axis=1)))
    assert len(colours) > 50, "a blank or single-colour page"
    assert not_white > len(rgb) // 20, "too little was drawn"
    if SAVE_AS:
        shutil.copyfile(png, SAVE_AS)


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
