"""HTTP edge limits on real loopback sockets: header size, count and time, keep-alive, connection
caps, and calls admitted only once their request is complete. Bounded: at most 2,000 connections
and 100 MB offered, loopback only."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from cordwire._edge_limits import EdgeLimits
from cordwire.server.admission import Admission, NoAuthAuthenticator, admission_guard

from . import edge_chute
from .edge import ATTACKER, connect, get, parse, post_json, send_and_read_to_close, serve_edge
from .edge_chute import chute

pytestmark = pytest.mark.timeout(90)


async def test_head_within_the_limit_is_served_and_keep_alive_still_works() -> None:
    limits = EdgeLimits(max_header_bytes=8192)
    async with serve_edge(limits) as edge:
        reader, writer = await connect(edge.port)
        # Two pipelined requests in one write, each head just under the limit: the count restarts
        # per request.
        big = b"X-Pad: " + b"a" * 7000
        writer.write(
            post_json("/whoami", b'{"text": "one"}').replace(b"\r\n\r\n", b"\r\n" + big + b"\r\n\r\n", 1)
        )
        writer.write(get("/healthz", big))
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)
        writer.close()
    first, second = raw.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"200") and b'"text":"one"' in first
    assert second.startswith(b"200")


async def test_head_over_the_total_size_gets_431_and_close() -> None:
    async with serve_edge(EdgeLimits(max_header_bytes=4096)) as edge:
        raw = await send_and_read_to_close(edge.port, get("/healthz", b"X-Big: " + b"a" * 5000))
    answer = parse(raw)
    assert answer.status == 431
    assert answer.headers["connection"] == "close"
    assert answer.json()["error"] == {
        "message": "the request line and headers exceed 4096 bytes",
        "type": "invalid_request_error",
        "param": None,
        "code": "request_header_fields_too_large",
    }


async def test_a_long_request_line_counts_too() -> None:
    async with serve_edge(EdgeLimits(max_header_bytes=4096)) as edge:
        raw = await send_and_read_to_close(edge.port, get("/healthz?" + "q" * 5000))
    assert parse(raw).status == 431


@pytest.mark.parametrize(("lines", "status"), [(20, 200), (21, 431)])
async def test_header_count_limit(lines: int, status: int) -> None:
    # get() sends Host and Connection: 18 more make 20.
    extra = [b"X-H%d: v" % i for i in range(lines - 2)]
    async with serve_edge(EdgeLimits(max_headers=20)) as edge:
        raw = await send_and_read_to_close(edge.port, get("/healthz", *extra))
    answer = parse(raw)
    assert answer.status == status
    if status == 431:
        assert answer.json()["error"]["message"] == "more than 20 header lines"  # type: ignore[index]


async def test_header_flood_is_cut_off_at_the_limit() -> None:
    """A client streaming a 100 MB header gets 431 after the first 64 KiB; its connection ends."""
    chunk = b"a" * 65536
    async with serve_edge(EdgeLimits()) as edge:
        reader, writer = await connect(edge.port, ATTACKER)
        reply = asyncio.ensure_future(reader.read())
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: edge\r\nX-Flood: ")
        sent = 0
        try:
            while sent < 100 * 1024 * 1024 and not reply.done():
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
        except (ConnectionResetError, BrokenPipeError):
            pass
        raw = await asyncio.wait_for(reply, 10)
        writer.close()
        # The server forgot the connection (nothing of the flood is kept). It learns of the close
        # a few loop turns later, whenever the kernel delivers it: bounded wait, not a fixed sleep.
        async with httpx.AsyncClient(base_url=edge.url) as client:
            assert (await client.get("/healthz")).status_code == 200
        async with asyncio.timeout(5):
            # The connection table has no event to await; its count is what the test is about.
            while edge.http.connections.by_ip.get(ATTACKER, 0):  # noqa: ASYNC110
                await asyncio.sleep(0.01)
    assert parse(raw).status == 431
    assert sent < 32 * 1024 * 1024, "the server kept reading the flood"


async def test_partial_headers_get_408_after_the_header_timeout() -> None:
    async with serve_edge(EdgeLimits(header_timeout=0.5)) as edge:
        started = time.monotonic()
        raw = await send_and_read_to_close(edge.port, b"GET /healthz HTTP/1.1\r\nHost: edge\r\n")
        waited = time.monotonic() - started
    answer = parse(raw)
    assert answer.status == 408
    assert answer.json()["error"]["code"] == "request_timeout"  # type: ignore[index]
    assert waited >= 0.5


async def test_a_silent_connection_is_closed_without_an_answer() -> None:
    async with serve_edge(EdgeLimits(header_timeout=0.3)) as edge:
        reader, writer = await connect(edge.port)
        assert await asyncio.wait_for(reader.read(), 10) == b""
        writer.close()


async def test_idle_keep_alive_connection_is_closed() -> None:
    async with serve_edge(EdgeLimits(keepalive_timeout=0.3, header_timeout=30)) as edge:
        reader, writer = await connect(edge.port)
        writer.write(get("/healthz", close=False))
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)  # the answer, then the idle close
        writer.close()
    assert parse(raw).status == 200


async def test_slowloris_of_2000_connections() -> None:
    """2,000 connections that never finish their headers: /healthz and /metrics still answer while
    they are held, and every one of them ends with 408 at the header timeout."""
    limits = EdgeLimits(header_timeout=8.0, max_connections_per_ip=4000)
    async with serve_edge(limits) as edge:
        attackers = [await connect(edge.port, ATTACKER) for _ in range(2000)]
        for _, writer in attackers:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: edge\r\nX-Slow: ")
        await asyncio.gather(*(writer.drain() for _, writer in attackers))
        async with httpx.AsyncClient(base_url=edge.url, timeout=10) as client:
            health = await client.get("/healthz")
            metrics = await client.get("/metrics")
            held = edge.http.connections.by_ip[ATTACKER]
        answers = await asyncio.wait_for(asyncio.gather(*(reader.read() for reader, _ in attackers)), 60)
        for _, writer in attackers:
            writer.close()
    assert health.status_code == 200
    assert metrics.status_code == 200
    assert held == 2000, "the slowloris connections were not all open at the check"
    assert {parse(raw).status for raw in answers} == {408}


async def test_per_ip_cap_refuses_with_429_and_spares_other_clients() -> None:
    async with serve_edge(EdgeLimits(max_connections_per_ip=4)) as edge:
        held = [await connect(edge.port, ATTACKER) for _ in range(4)]
        raw = await send_and_read_to_close(edge.port, get("/healthz"), ATTACKER)
        other = await send_and_read_to_close(edge.port, get("/healthz"))
        for _, writer in held:
            writer.close()
    answer = parse(raw)
    assert answer.status == 429
    assert answer.headers["retry-after"] == "1"
    assert answer.json()["error"]["code"] == "too_many_connections"  # type: ignore[index]
    assert parse(other).status == 200


async def test_total_connection_cap_refuses_with_429() -> None:
    async with serve_edge(EdgeLimits(max_connections=3)) as edge:
        held = [await connect(edge.port) for _ in range(3)]
        raw = await send_and_read_to_close(edge.port, get("/healthz"), ATTACKER)
        for _, writer in held:
            writer.close()
    answer = parse(raw)
    assert answer.status == 429
    assert answer.json()["error"]["message"] == "the server holds its maximum of 3 connections"  # type: ignore[index]


async def test_unfinished_requests_do_not_count_against_max_in_flight() -> None:
    admission = Admission(NoAuthAuthenticator(), max_in_flight=1)
    guards = (admission_guard(admission, chute.chute_id),)
    async with serve_edge(EdgeLimits(), guards=guards) as edge:
        stalled = []
        for _ in range(20):  # headers never finished
            _, writer = await connect(edge.port, ATTACKER)
            writer.write(b"POST /whoami HTTP/1.1\r\nHost: edge\r\n")
            stalled.append(writer)
        for _ in range(20):  # headers done, body never finished
            _, writer = await connect(edge.port, ATTACKER)
            writer.write(b"POST /whoami HTTP/1.1\r\nHost: edge\r\nContent-Length: 100\r\n\r\n{")
            stalled.append(writer)
        await asyncio.gather(*(w.drain() for w in stalled))
        async with httpx.AsyncClient(base_url=edge.url, timeout=10) as client:
            free = await client.post("/whoami", json={"text": "through"})
            # The limit is real: with one call held in flight, the next is refused.
            edge_chute.holding = edge_chute.Holding()
            hold = asyncio.ensure_future(client.post("/hold", json={"seconds": 30}))
            await edge_chute.holding.entered.wait()
            refused = await client.post("/whoami", json={})
            edge_chute.holding.release.set()
            assert (await hold).status_code == 200
        for writer in stalled:
            writer.close()
    assert free.status_code == 200, free.text
    assert free.json()["text"] == "through"
    assert refused.status_code == 429


async def test_the_header_timeout_applies_to_each_request_on_a_connection() -> None:
    async with serve_edge(EdgeLimits(header_timeout=0.5, keepalive_timeout=30)) as edge:
        reader, writer = await connect(edge.port)
        writer.write(get("/healthz", close=False))
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: edge\r\n")  # the second one never ends
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)
        writer.close()
    first, second = raw.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"200")
    assert second.startswith(b"408")


async def test_an_oversized_pipelined_head_ends_the_connection_after_the_answer_under_way() -> None:
    """The second request's head is over the limit while the first is still being answered: the
    first answer arrives whole, then the connection closes (nothing is written into it)."""
    edge_chute.holding = edge_chute.Holding()
    async with serve_edge(EdgeLimits(max_header_bytes=4096)) as edge:
        reader, writer = await connect(edge.port)
        writer.write(post_json("/hold", b'{"seconds": 30}'))
        await writer.drain()
        await edge_chute.holding.entered.wait()
        writer.write(get("/healthz", b"X-Big: " + b"a" * 5000))
        await writer.drain()
        edge_chute.holding.release.set()
        raw = await asyncio.wait_for(reader.read(), 10)
        writer.close()
    answers = raw.split(b"HTTP/1.1 ")[1:]
    assert len(answers) == 1 and answers[0].startswith(b"200")
    assert answers[0].endswith(b'{"held":true}')


async def test_an_upgrade_request_is_answered_then_closed() -> None:
    """No upgrade is served; the parser stops after an Upgrade request, so the connection must end
    after the answer (else bytes sent on it would keep it open with no deadline)."""
    async with serve_edge(EdgeLimits(keepalive_timeout=30, header_timeout=30)) as edge:
        reader, writer = await connect(edge.port)
        writer.write(get("/healthz", b"Connection: Upgrade", b"Upgrade: h2c", close=False))
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)
        writer.close()
    assert parse(raw).status == 200


async def test_blank_lines_between_requests_do_not_hold_a_connection() -> None:
    async with serve_edge(EdgeLimits(keepalive_timeout=30, header_timeout=0.5)) as edge:
        reader, writer = await connect(edge.port)
        writer.write(get("/healthz", close=False))
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        await reader.readexactly(int(parse(head).headers["content-length"]))
        writer.write(b"\r\n")  # cancels the keep-alive timer; no request line follows
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)
        writer.close()
    assert parse(raw).status == 408
