"""``python -m bench.edge``: does `cordwire serve` hold up under a slowloris and a header flood?

Starts ``cordwire serve`` on the model-free edge chute (``tests/reliability/edge_chute.py``: the
edge is measured, not Triton), then:

1. a wrk run (c=8) on ``POST /whoami``, unloaded;
2. the same run while 2,000 slowloris connections (request line sent, a header line every 2 s,
   headers never finished; each reopened when the server closes it) and one client streaming a
   100 MB header (reconnecting whenever it is cut off) attack from 127.0.0.2;
3. the verdicts: throughput kept (target ≥ 80 %, 0 errors), the server's peak RSS (target
   < 300 MB), and how every slowloris connection ended (target: by the header timeout, with 408).

The attackers share one address, so the per-IP cap is raised above 2,000 (``--max-connections-
per-ip 4096``); with the default (256) all but 256 of them are refused at once with 429, which is
the other defence. Prints a summary and writes ``bench/results/edge-<date>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime
import json
import os
import re
import subprocess
import sys
import threading
import time
from typing import Any

from .load.wrk import run_wrk
from .paths import REPO, RESULTS
from .procs import peak_rss_mb, rss_mb

TARGET = f"{REPO / 'tests' / 'reliability' / 'edge_chute.py'}:chute"
ATTACKER = "127.0.0.2"


@dataclasses.dataclass(kw_only=True, slots=True)
class Tally:
    target: int = 0
    """Slowloris connections to hold at once."""
    opened: int = 0
    closed_408: int = 0
    closed_other: int = 0
    lifetimes: list[float] = dataclasses.field(default_factory=list)
    flood_offered_bytes: int = 0
    flood_connections: int = 0
    flood_answers: dict[str, int] = dataclasses.field(default_factory=dict)


async def _slow_connection(port: int, tally: Tally, stop: asyncio.Event, all_open: asyncio.Event) -> None:
    """One slowloris slot: open, trickle, and reopen whenever the server closes it."""
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(ATTACKER, 0))
        except OSError:
            await asyncio.sleep(0.5)
            continue
        tally.opened += 1
        if tally.opened >= tally.target:
            all_open.set()
        opened = time.monotonic()
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: edge\r\n")
        answer = asyncio.ensure_future(reader.read())
        ended = asyncio.ensure_future(stop.wait())
        try:
            while not answer.done() and not stop.is_set():
                await asyncio.wait({answer, ended}, timeout=2.0)
                if not answer.done() and not stop.is_set():
                    writer.write(b"X-Slow: 1\r\n")
            if answer.done():
                raw = b""
                with contextlib.suppress(OSError):
                    raw = answer.result()
                tally.lifetimes.append(time.monotonic() - opened)
                if raw.startswith(b"HTTP/1.1 408"):
                    tally.closed_408 += 1
                else:
                    tally.closed_other += 1
        finally:
            ended.cancel()
            answer.cancel()
            writer.close()


async def _flood(port: int, tally: Tally, stop: asyncio.Event, total: int) -> None:
    """Stream one 100 MB header, reconnecting whenever the server cuts it off."""
    chunk = b"a" * 65536
    while not stop.is_set() and tally.flood_offered_bytes < total:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(ATTACKER, 0))
        tally.flood_connections += 1
        answer = asyncio.ensure_future(reader.read(256))
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: edge\r\nX-Flood: ")
        try:
            while not answer.done() and not stop.is_set() and tally.flood_offered_bytes < total:
                writer.write(chunk)
                await writer.drain()
                tally.flood_offered_bytes += len(chunk)
        except OSError:
            pass
        with contextlib.suppress(OSError, asyncio.TimeoutError):
            raw = await asyncio.wait_for(answer, 5)
            status = raw.split(b" ", 2)[1].decode() if raw.startswith(b"HTTP/1.1 ") else "none"
            tally.flood_answers[status] = tally.flood_answers.get(status, 0) + 1
        answer.cancel()
        writer.close()


class Attack:
    """The attackers in a child process (niced: on a shared loopback machine the attack's own CPU
    would otherwise be what slows the server, which a remote attacker's is not), for as long as
    the ``with`` lasts; ``tally`` once it has ended."""

    def __init__(self, port: int, connections: int, flood_bytes: int) -> None:
        self.argv = [
            sys.executable,
            "-m",
            "bench.edge",
            "--attack",
            str(port),
            str(connections),
            str(flood_bytes),
        ]
        self.tally = Tally()
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Attack:
        self._process = subprocess.Popen(
            self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO, preexec_fn=_nice
        )
        assert self._process.stdout is not None
        if self._process.stdout.readline().strip() != "ready":
            raise RuntimeError("the slowloris connections did not all open")
        return self

    def __exit__(self, *_: object) -> None:
        assert self._process is not None
        out, _ = self._process.communicate(timeout=60)  # closes its stdin: the attacker stops
        self.tally = Tally(**json.loads(out))


def _nice() -> None:
    os.nice(10)


async def _attack(port: int, connections: int, flood_bytes: int) -> None:
    tally = Tally(target=connections)
    stop, all_open = asyncio.Event(), asyncio.Event()
    slots = []
    for _ in range(connections):
        slots.append(asyncio.ensure_future(_slow_connection(port, tally, stop, all_open)))
        await asyncio.sleep(0)  # let each connect, so that they open within a second or two
    await all_open.wait()
    print("ready", flush=True)
    flood = asyncio.ensure_future(_flood(port, tally, stop, flood_bytes))
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes our stdin
    stop.set()
    await asyncio.gather(*slots, flood, return_exceptions=True)
    print(json.dumps(dataclasses.asdict(tally)), flush=True)


def main() -> int:
    if sys.argv[1:2] == ["--attack"]:
        port, connections, flood_bytes = (int(x) for x in sys.argv[2:5])
        asyncio.run(_attack(port, connections, flood_bytes))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.edge", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="each wrk run (default 20)")
    parser.add_argument("--connections", type=int, default=2000, help="slowloris connections (default 2000)")
    parser.add_argument(
        "--flood-mb", type=int, default=100, help="header bytes the flood offers (default 100)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--header-timeout", type=float, default=10.0, help="the server's (default 10)")
    args = parser.parse_args()
    argv = [sys.executable, "-m", "cordwire", "serve", TARGET, "--no-auth", "--http-port", "0"]
    argv += [
        "--grpc-port",
        "0",
        "--max-connections-per-ip",
        "4096",
        "--header-timeout",
        str(args.header_timeout),
    ]
    server = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    assert server.stdout is not None
    output = ""
    for line in server.stdout:
        output += line
        if line.strip() == "ready":
            break
    threading.Thread(target=lambda: [None for _ in server.stdout or ()], daemon=True).start()
    found = re.search(r"^HTTP\s+http://[\d.]+:(\d+)", output, re.MULTILINE)
    if found is None:
        print(output, file=sys.stderr)
        return 1
    port = int(found.group(1))
    url = f"http://127.0.0.1:{port}/whoami"
    body = json.dumps({"text": "edge"})
    record: dict[str, Any] = {"date": datetime.date.today().isoformat(), "settings": vars(args)}
    try:
        run_wrk("warmup", url, body, args.concurrency, 2)
        calm = run_wrk("unloaded", url, body, args.concurrency, args.seconds)
        print(f"unloaded: {calm.rps:.0f} req/s, p99 {calm.p99_ms:.1f} ms, errors {calm.errors}", flush=True)
        rss_before = rss_mb(server.pid)
        with Attack(port, args.connections, args.flood_mb * 1024 * 1024) as attack:
            opened_at = time.monotonic()
            under = run_wrk("attacked", url, body, args.concurrency, args.seconds)
            rss_during = rss_mb(server.pid)
            # Let every slowloris connection opened so far meet its header timeout.
            time.sleep(max(0.0, args.header_timeout + 3 - (time.monotonic() - opened_at)))
        tally = attack.tally
        peak = peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    kept = under.rps / calm.rps if calm.rps else 0.0
    lifetimes = sorted(tally.lifetimes)
    record.update(
        unloaded={"rps": calm.rps, "p99_ms": calm.p99_ms, "errors": calm.errors},
        attacked={"rps": under.rps, "p99_ms": under.p99_ms, "errors": under.errors},
        kept=round(kept, 3),
        rss_mb={"before": rss_before, "during": rss_during, "peak_hwm": peak},
        slowloris={
            "opened": tally.opened,
            "closed_by_408": tally.closed_408,
            "closed_otherwise": tally.closed_other,
            "lifetime_s_min": round(lifetimes[0], 2) if lifetimes else None,
            "lifetime_s_median": round(lifetimes[len(lifetimes) // 2], 2) if lifetimes else None,
            "lifetime_s_max": round(lifetimes[-1], 2) if lifetimes else None,
        },
        flood={
            "offered_mb": round(tally.flood_offered_bytes / 2**20, 1),
            "connections": tally.flood_connections,
            "answers": tally.flood_answers,
        },
    )
    print(
        f"attacked: {under.rps:.0f} req/s ({100 * kept:.0f}% kept), p99 {under.p99_ms:.1f} ms, "
        f"errors {under.errors}\n"
        f"RSS: {rss_before:.0f} MB before, {rss_during:.0f} MB during, peak {peak:.0f} MB\n"
        f"slowloris: {tally.opened} opened, {tally.closed_408} closed with 408, {tally.closed_other} "
        f"otherwise; lifetimes {record['slowloris']['lifetime_s_min']} to "
        f"{record['slowloris']['lifetime_s_max']} s\n"
        f"flood: {record['flood']['offered_mb']} MB offered over {tally.flood_connections} connections, "
        f"answers {tally.flood_answers}"
    )
    out = RESULTS / f"edge-{record['date']}.json"
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("CORDWIRE_LOG_FORMAT", "text")
    sys.exit(main())
