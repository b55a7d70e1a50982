"""Per-request cost of the gateway itself, in process: no socket, no HTTP server, no Triton.

A tiny Python-first chute (``GET /ping``, a unary ``POST /echo``, a 4-message ``POST /ticks``) behind the
gateway, called as an ASGI app in a tight loop with fixed scopes; plain and observed (metrics and
access log, as ``cordwire serve`` runs it). The figure is µs per request (best of a few rounds, so
machine noise counts least): compare two commits on the same machine, never across machines.

    .venv/bin/python -m bench.gateway_call [--requests 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from cordwire import Chute
from cordwire.gateway import ObservedGateway, create_app
from cordwire.server import ChuteServer
from cordwire.server.observability import Observability

_HEADERS = [
    (b"host", b"localhost:8000"),
    (b"user-agent", b"bench/1.0"),
    (b"accept", b"*/*"),
    (b"content-type", b"application/json"),
    (b"x-api-key", b"cw_000000000000_secret"),
]


def make_chute() -> Chute:
    chute = Chute(username="bench", name="gateway")

    @chute.cord(public_api_path="/ping", method="GET")
    async def ping(self: Any) -> dict[str, str]:
        return {"pong": "ok"}

    @chute.cord(public_api_path="/echo", method="POST")
    async def echo(self: Any, text: str) -> dict[str, str]:
        return {"text": text}

    @chute.cord(public_api_path="/ticks", method="POST", stream=True)
    async def ticks(self: Any, n: int) -> AsyncIterator[dict[str, int]]:
        for i in range(n):
            yield {"i": i}

    return chute


def _scope(method: str, path: str, body: bytes) -> dict[str, Any]:
    headers = [*_HEADERS, (b"content-length", str(len(body)).encode())]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _round(app: Any, method: str, path: str, body: bytes, requests: int) -> float:
    statuses: list[int] = []
    never = asyncio.Event()  # the client never hangs up: the disconnect watcher waits until cancelled

    def receiver() -> Any:
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                await never.wait()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        return receive

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.perf_counter()
    for _ in range(requests):
        await app(_scope(method, path, body), receiver(), send)
    elapsed = time.perf_counter() - started
    assert set(statuses) == {200}, set(statuses)
    return elapsed / requests * 1e6


async def main(requests: int, rounds: int) -> None:
    logging.getLogger("cordwire.access").disabled = True  # the line is formatted, not written
    server = ChuteServer(make_chute(), grpc_port=0)
    await server.start()
    try:
        plain = create_app(server)
        observed = ObservedGateway(create_app(server), Observability())
        cases = [
            ("GET /ping", "GET", "/ping", b""),
            ("POST /echo", "POST", "/echo", b'{"text": "hello hello hello"}'),
            ("POST /ticks (4 SSE)", "POST", "/ticks", b'{"n": 4}'),
            ("GET /healthz", "GET", "/healthz", b""),
        ]
        print(f"| request | plain µs | observed µs |  ({requests} requests, best of {rounds})")
        print("|---|---|---|")
        for label, method, path, body in cases:
            best = {}
            for name, app in (("plain", plain), ("observed", observed)):
                await _round(app, method, path, body, requests // 10)  # warm caches
                best[name] = min([await _round(app, method, path, body, requests) for _ in range(rounds)])
            print(f"| {label} | {best['plain']:.1f} | {best['observed']:.1f} |")
    finally:
        await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.rounds))
