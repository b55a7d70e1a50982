"""Soak: steady mixed load on a `cordwire serve` process, sampling its memory and file descriptors.

    .venv/bin/python scripts/soak.py --minutes 10 [--concurrency 16] [--out soak.csv] [--mix echo,stream]

Serves the reliability chute (tests/reliability/chute.py: Echo over `identity`, Count over the
decoupled `counter`, on the embedded Triton), then runs unary calls, short SSE streams and streams
the client abandons half way, for the given time. Every `--interval` seconds it samples the server
process's RSS and open file descriptors (from /proc) into a CSV; at the end it prints a summary
with least-squares slopes over the second half of the run (after warm-up), which is what a leak
shows up in. Not part of `make test`. Abandoned streams cancel Triton requests (in-process, through
the C API: Triton 2.51's gRPC frontend, which crashed on them, is not involved; RELIABILITY.md);
`--mix echo,stream` measures memory without them.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import csv
import os
import pathlib
import sys
import time

import aiohttp

# Run as a script: make the repository importable for the shared serving helper.
ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.reliability.serving import serve_process  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x (per second of x)."""
    n = len(points)
    if n < 2:
        return 0.0
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    return 0.0 if var == 0 else sum((x - mx) * (y - my) for x, y in points) / var


KINDS = ("echo", "stream", "abandon")
DEFAULT_MIX = ("echo", "echo", "stream", "abandon")


async def load(
    url: str,
    stop: asyncio.Event,
    concurrency: int,
    counts: collections.Counter[str],
    mix: tuple[str, ...] = DEFAULT_MIX,
) -> None:
    """Workers cycling through ``mix`` (unary, full-stream and abandoned-stream calls) until ``stop``."""

    async def worker(session: aiohttp.ClientSession, n: int) -> None:
        i = n
        while not stop.is_set():
            i += 1
            kind = mix[i % len(mix)]
            try:
                if kind == "echo":
                    async with session.post(f"{url}/v1/echo", json={"values": [i], "text": "soak"}) as r:
                        await r.read()
                        ok = r.status == 200
                elif kind == "stream":
                    async with session.post(f"{url}/v1/count", json={"count": 10}) as r:
                        ok = r.status == 200 and (await r.text()).endswith("data: [DONE]\n\n")
                else:
                    # Read two events, then hang up: the server must cancel Triton and free all of it.
                    async with session.post(f"{url}/v1/count", json={"count": 1000, "delay_ms": 5}) as r:
                        await r.content.readline()
                        await r.content.readline()
                        ok = r.status == 200
                        r.close()
            except (aiohttp.ClientError, TimeoutError) as exc:
                counts[f"error {type(exc).__name__}"] += 1
                continue
            counts[kind if ok else f"bad {kind}"] += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(worker(session, n) for n in range(concurrency)))


async def soak(
    minutes: float, interval: float, concurrency: int, out: pathlib.Path, mix: tuple[str, ...]
) -> int:
    with serve_process() as served:
        pid = served.pid
        counts: collections.Counter[str] = collections.Counter()
        stop = asyncio.Event()
        started = time.monotonic()
        rows: list[tuple[float, int, int, int]] = []
        worker = asyncio.ensure_future(load(served.http_url, stop, concurrency, counts, mix))
        end = started + minutes * 60
        with out.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["seconds", "rss_bytes", "open_fds", "calls"])
            while (now := time.monotonic()) < end and not worker.done():
                row = (round(now - started, 1), rss_bytes(pid), open_fds(pid), sum(counts.values()))
                rows.append(row)
                writer.writerow(row)
                f.flush()
                print(
                    f"{row[0]:7.1f}s  rss {row[1] / 2**20:7.1f} MiB  fds {row[2]:4d}  calls {row[3]}",
                    flush=True,
                )
                await asyncio.wait({worker}, timeout=min(interval, max(0.0, end - now)))
        stop.set()
        await worker
        took = time.monotonic() - started
        problems = [line.rstrip() for line in served.lines if " ERROR " in line or " WARNING " in line]
        failures = sum("Triton failed" in line for line in served.lines)
    for line in problems[-20:]:  # the server's own account of anything that went wrong
        print(f"server: {line}")
    later = rows[len(rows) // 2 :]  # after warm-up: allocator pools and caches have filled
    rss_slope = slope([(t, rss / 2**20) for t, rss, _, _ in later])
    fd_slope = slope([(t, float(fds)) for t, _, fds, _ in later])
    errors = sum(v for k, v in counts.items() if k.startswith(("error", "bad")))
    print()
    total = sum(counts.values())
    print(f"soak: {took / 60:.1f} min, {total} calls ({total / took:.0f}/s): {dict(counts)}")
    print(f"Triton failures (each ends the process): {failures}")
    print(
        f"RSS  start {rows[0][1] / 2**20:.1f} MiB, end {rows[-1][1] / 2**20:.1f} MiB, "
        f"max {max(r[1] for r in rows) / 2**20:.1f} MiB; slope (second half) {rss_slope * 60:+.2f} MiB/min"
    )
    print(
        f"FDs  start {rows[0][2]}, end {rows[-1][2]}, max {max(r[2] for r in rows)}; "
        f"slope (second half) {fd_slope * 60:+.2f} /min"
    )
    print(f"samples: {out}")
    return 1 if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between samples (default 5)")
    parser.add_argument("--concurrency", type=int, default=16, help="client connections (default 16)")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("soak.csv"), help="CSV of samples")
    parser.add_argument(
        "--mix",
        default=",".join(DEFAULT_MIX),
        help=f"the calls each worker cycles through, from {', '.join(KINDS)} (default: %(default)s)",
    )
    args = parser.parse_args()
    mix = tuple(kind.strip() for kind in args.mix.split(","))
    if not mix or any(kind not in KINDS for kind in mix):
        parser.error(f"--mix takes a comma-separated list of {', '.join(KINDS)}")
    return asyncio.run(soak(args.minutes, args.interval, args.concurrency, args.out, mix))


if __name__ == "__main__":
    sys.exit(main())
