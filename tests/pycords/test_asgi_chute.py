"""A Chute is an ASGI application: uvicorn.run(chute) on a real socket, httpx's ASGITransport in
process, lifespan running the hooks, auth only with a keys database."""

from __future__ import annotations

import asyncio
import json
import pathlib
import signal
import sys
import textwrap
from typing import Any

import httpx
import pytest

from cordwire import Chute
from cordwire.server.admission import KeyStore
from tests.conftest import ROOT

UVICORN_CHUTE = textwrap.dedent("""
    import pathlib
    import sys

    from fastapi import HTTPException

    from cordwire import Chute

    chute = Chute(username="asgi", name="uvicorn")


    @chute.on_startup()
    async def up(self):
        self.phase = "ready"


    @chute.on_shutdown()
    async def down(self):
        pathlib.Path(sys.argv[1]).write_text("stopped")


    @chute.cord(public_api_path="/hello")
    async def hello(self, name: str) -> dict:
        if not name:
            raise HTTPException(status_code=422, detail="name is empty")
        return {"message": f"Hello, {name}!", "state": self.phase}


    @chute.cord(public_api_path="/count", stream=True)
    async def count(self, n: int):
        for i in range(n):
            yield {"i": i}


    if __name__ == "__main__":
        import uvicorn

        uvicorn.run(chute, host="127.0.0.1", port=0)
""")


async def test_uvicorn_run_serves_routes_errors_streams_and_runs_hooks(tmp_path: pathlib.Path) -> None:
    script, marker = tmp_path / "chute.py", tmp_path / "stopped"
    script.write_text(UVICORN_CHUTE)
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), str(marker), cwd=ROOT, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    try:
        url = ""
        async with asyncio.timeout(60):
            while not url:
                line = (await process.stderr.readline()).decode()
                assert line, "uvicorn exited before it served"
                if "Uvicorn running on " in line:
                    url = line.split("Uvicorn running on ")[1].split()[0]
        async with httpx.AsyncClient(base_url=url) as http:
            assert (await http.get("/healthz")).status_code == 200
            hello = await http.post("/hello", json={"name": "Ada"})
            assert hello.json() == {"message": "Hello, Ada!", "state": "ready"}
            empty = await http.post("/hello", json={"name": ""})
            assert (empty.status_code, empty.json()["error"]["message"]) == (422, "name is empty")
            stream = await http.post("/count", json={"n": 2})
            assert stream.text == 'data: {"i":0}\n\ndata: {"i":1}\n\ndata: [DONE]\n\n'
    finally:
        process.terminate()  # uvicorn's SIGTERM: lifespan shutdown, then the hooks
        # uvicorn re-raises the signal once it has shut down gracefully (0.29+).
        assert await asyncio.wait_for(process.wait(), 30) in (0, -signal.SIGTERM)
    assert marker.read_text() == "stopped"


def hooked_chute(name: str, log: list[str]) -> Chute:
    chute = Chute(username="asgi", name=name)

    @chute.on_startup(priority=90)
    async def late(self: Any) -> None:
        log.append("start late")

    @chute.on_startup(priority=10)
    def early(self: Any) -> None:
        log.append("start early")

    @chute.on_shutdown()
    async def first_registered(self: Any) -> None:
        log.append("stop default")

    @chute.on_shutdown(priority=0)
    async def urgent(self: Any) -> None:
        log.append("stop urgent")

    @chute.cord(public_api_path="/ping", method="GET")
    async def ping(self: Any) -> dict[str, Any]:
        return {"pong": True}

    return chute


async def test_lifespan_runs_hooks_in_priority_order() -> None:
    log: list[str] = []
    chute = hooked_chute("lifespan", log)
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    task = asyncio.create_task(chute({"type": "lifespan"}, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    assert log == ["start early", "start late"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=chute), base_url="http://t") as http:
        assert (await http.get("/ping")).json() == {"pong": True}
    await inbox.put({"type": "lifespan.shutdown"})
    assert (await outbox.get())["type"] == "lifespan.shutdown.complete"
    await task
    assert log[2:] == ["stop urgent", "stop default"]


async def test_asgi_transport_without_lifespan_starts_on_first_request() -> None:
    log: list[str] = []
    chute = hooked_chute("lazy", log)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=chute), base_url="http://t") as http:
        assert log == []
        assert (await http.get("/ping")).json() == {"pong": True}
        assert (await http.get("/healthz")).status_code == 200
        missing = await http.get("/nope")
        assert missing.status_code == 404 and "error" in missing.json()
        assert (await http.get("/openapi.json")).json()["paths"]["/ping"]
    assert log == ["start early", "start late"]
    await chute.aclose()
    assert log[2:] == ["stop urgent", "stop default"]


async def test_auth_only_with_a_keys_database(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "keys.db"
    with KeyStore(db) as store:
        key = store.create("tester", ["asgi-keyed"])
        other = store.create("other", ["asgi-elsewhere"])
    monkeypatch.setenv("CORDWIRE_KEYS_DB", str(db))
    chute = hooked_chute("keyed", [])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=chute), base_url="http://t") as http:
        assert (await http.get("/ping")).status_code == 401
        assert (await http.get("/ping", headers={"X-API-Key": other})).status_code == 403
        ok = await http.get("/ping", headers={"Authorization": f"Bearer {key}"})
        assert ok.json() == {"pong": True}
    await chute.aclose()


async def test_asgi_answers_like_cordwire_serve() -> None:
    """The same chute through the ASGI app and through cordwire.testing's gateway: same bytes."""
    from cordwire.testing import serve_chute

    chute = Chute(username="asgi", name="same")

    @chute.cord(public_api_path="/echo")
    async def echo(self: Any, text: str, times: int = 1) -> dict[str, Any]:
        return {"text": text * times}

    bodies: list[Any] = [{"text": "ab", "times": 2}, {"times": 2}, {"text": "a", "times": "x"}]
    async with serve_chute(chute) as running:
        expected = [await running.http.post("/echo", json=b) for b in bodies]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=chute), base_url="http://t") as http:
        got = [await http.post("/echo", json=b) for b in bodies]
    await chute.aclose()
    assert [(r.status_code, json.loads(r.content)) for r in got] == [
        (r.status_code, json.loads(r.content)) for r in expected
    ]
