"""A headless Chromium driven over the DevTools protocol (Debian's ``chromium``, aiohttp's websocket).

Enough for pages cordwire serves: navigate, run a script (awaiting its promise), screenshot.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import shutil
import tempfile
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# In the page: resolves with the first element matching `selector` (and `text`, when given), as soon
# as the DOM has one.
WAIT_FOR = """
window.waitFor = (selector, text) => new Promise((resolve) => {
  const find = () => [...document.querySelectorAll(selector)]
    .find((el) => text === undefined || el.textContent.trim() === text);
  const found = find();
  if (found) return resolve(found);
  const observer = new MutationObserver(() => {
    const el = find();
    if (el) { observer.disconnect(); resolve(el); }
  });
  observer.observe(document, {childList: true, subtree: true, characterData: true, attributes: true});
});
window.clickWhenThere = (selector) => waitFor(selector).then((el) => { el.click(); return true; });
"""


class Page:
    """One tab; :meth:`evaluate` runs an expression in it and returns its (awaited) value."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        await self._ws.send_json({"id": call_id, "method": method, "params": params})
        async for message in self._ws:
            reply = json.loads(message.data)
            if reply.get("id") == call_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply["result"]
                return result
        raise RuntimeError("the browser closed the connection")

    async def goto(self, url: str) -> None:
        await self.send("Page.enable")
        await self.send("Page.addScriptToEvaluateOnNewDocument", source=WAIT_FOR)
        await self.send("Page.navigate", url=url)

    async def evaluate(self, expression: str, timeout: float = 30.0) -> Any:
        reply = await asyncio.wait_for(
            self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True),
            timeout,
        )
        if "exceptionDetails" in reply:
            raise AssertionError(f"script failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    async def screenshot(self) -> bytes:
        """The tab as a PNG."""
        shot = await self.send("Page.captureScreenshot", format="png")
        return base64.b64decode(shot["data"])


@contextlib.asynccontextmanager
async def browser_page(width: int = 1200, height: int = 900) -> AsyncIterator[Page]:
    """A fresh headless Chromium (own profile, no network but loopback) and one blank tab."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        proc = await asyncio.create_subprocess_exec(
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
            f"--window-size={width},{height}",
            f"--user-data-dir={profile}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert proc.stderr is not None
            # Chromium announces its DevTools endpoint on stderr once it listens.
            while not (line := (await proc.stderr.readline()).decode()).startswith("DevTools listening on"):
                assert line, "chromium exited before its DevTools endpoint was up"
            port = line.strip().rsplit(":", 1)[1].split("/", 1)[0]
            # Keep reading its log, so that a full pipe never blocks the browser.
            drain = asyncio.ensure_future(proc.stderr.read())
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{port}/json/list") as listing:
                    targets = await listing.json()
                tab = next(t for t in targets if t["type"] == "page")
                async with session.ws_connect(tab["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                    page = Page(ws)
                    await page.send(
                        "Emulation.setDeviceMetricsOverride",
                        width=width,
                        height=height,
                        deviceScaleFactor=1,
                        mobile=False,
                    )
                    yield page
        finally:
            proc.kill()
            await proc.wait()
            if "drain" in locals():
                await drain
