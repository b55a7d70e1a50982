"""``python -m bench`` (``make bench``): issue #8's side-by-side gateway benchmark, one run.

Builds the Go tools (cached), starts Triton and every peer on loopback, measures the unary matrix
and the streaming cases, profiles cordwire's HTTP path, then prints the table and writes
``bench/results/<date>.json`` and ``.png``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib.metadata
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import time
from typing import Any

from . import report
from .gobuild import GO_TOOLS, ensure_tools
from .paths import CACHE, REPO, RESULTS
from .peers import Peers
from .profile import profile_http
from .suite import PEERS, Settings, streaming, unary_matrix


def _machine() -> dict[str, Any]:
    lines = pathlib.Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "loadavg_start": os.getloadavg(),
    }


def _versions() -> dict[str, Any]:
    def dist(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "missing"

    def out(argv: list[str]) -> str:
        try:
            run = subprocess.run(argv, capture_output=True, text=True, timeout=10, cwd=REPO)
        except OSError:
            return "missing"
        return (
            (run.stdout or run.stderr).strip().splitlines()[0] if (run.stdout or run.stderr).strip() else ""
        )

    return {
        "cordwire_commit": out(["git", "rev-parse", "--short", "HEAD"]),
        "python": platform.python_version(),
        **{
            name: dist(name)
            for name in ("grpcio", "protobuf", "uvicorn", "fastapi", "tritonclient", "nvidia-pytriton")
        },
        "wrk": out(["wrk", "-v"]),
        "go": out(["go", "version"]),
        "go_tools": GO_TOOLS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="measured seconds per unary cell (default 4)"
    )
    parser.add_argument(
        "--rounds", type=int, default=Settings().rounds, help="passes over the matrix; best kept (default 3)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 round of 2 s cells, fewer streams: a smoke run"
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profile of cordwire HTTP")
    parser.add_argument("--no-streaming", action="store_true", help="skip the SSE stream cases")
    parser.add_argument(
        "--concurrencies", metavar="C,C", help="unary concurrencies (default 1,8,64)", default="1,8,64"
    )
    parser.add_argument("--peers", metavar="P,P", help=f"peers to measure (default all: {','.join(PEERS)})")
    parser.add_argument("--date", default=datetime.date.today().isoformat(), help="results file name")
    args = parser.parse_args()
    if args.quick:
        settings = Settings(seconds=2.0, rounds=1, stream_repeats=1, many_streams=200)
    else:
        settings = Settings(seconds=args.seconds, rounds=args.rounds)
    chosen = tuple(args.peers.split(",")) if args.peers else tuple(PEERS)
    if unknown := set(chosen) - set(PEERS):
        parser.error(f"unknown peers {sorted(unknown)}; choose from {', '.join(PEERS)}")
    concurrencies = tuple(int(c) for c in args.concurrencies.split(","))
    settings = dataclasses.replace(settings, peers=chosen, concurrencies=concurrencies)
    if shutil.which("wrk") is None:
        print("wrk is not installed: run `make bench-deps`", file=sys.stderr)
        return 2

    started = time.monotonic()
    print("building Go tools (cached in .cache/bench)…", flush=True)
    tools = ensure_tools()
    record: dict[str, Any] = {
        "date": args.date,
        "machine": _machine(),
        "versions": _versions(),
        "settings": dataclasses.asdict(settings),
        "peers": PEERS,
    }
    log_dir = CACHE / "logs" / datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    print(f"starting Triton and the peers (logs in {log_dir.relative_to(REPO)})…", flush=True)
    with Peers(tools, log_dir) as peers:
        print("unary matrix:", flush=True)
        cells, passes = unary_matrix(peers, tools, settings)
        streams: dict[str, Any] = {}
        if not args.no_streaming:
            print("streaming:", flush=True)
            streams = streaming(peers, tools, settings)
        profile: dict[str, Any] = {"skipped": "--no-profile"}
        if not args.no_profile:
            print("profiling cordwire HTTP with py-spy…", flush=True)
            profile = profile_http(peers, tools, log_dir)
    record["machine"]["loadavg_end"] = os.getloadavg()
    record["unary_passes_rps"] = passes
    record["noise_median_spread"] = _spread(passes)
    record["streaming"] = streams
    record["profile"] = profile
    goals = report.targets(cells, streams)
    record["targets"] = goals
    record["wall_s"] = round(time.monotonic() - started, 1)

    report.print_table(cells, streams, goals)
    print(
        f"noise: across passes a cell's req/s varied by {100 * record['noise_median_spread']:.0f}% (median of"
        f" (max-min)/max); load average {record['machine']['loadavg_start'][0]:.1f} at start,"
        f" {record['machine']['loadavg_end'][0]:.1f} at end on {record['machine']['cpus']} CPUs"
    )
    for label, summary in profile.items():
        if isinstance(summary, dict) and "self" in summary:
            _print_profile(label, summary)
    json_path = RESULTS / f"{args.date}.json"
    report.write_json(json_path, record, cells)
    png_path = RESULTS / f"{args.date}.png"
    machine = record["machine"]
    title = (
        f"cordwire bench {args.date} ({machine['cpus']} CPUs shared; load average"
        f" {machine['loadavg_start'][0]:.1f} -> {machine['loadavg_end'][0]:.1f};"
        f" best of {settings.rounds} passes)"
    )
    drew = report.chart(png_path, cells, streams, title)
    print(
        f"\nwrote {json_path.relative_to(REPO)}"
        + (f" and {png_path.relative_to(REPO)}" if drew else " (no matplotlib: no chart)")
    )
    print(f"bench took {record['wall_s']:.0f} s")
    return 0


def _spread(passes: dict[str, dict[int, list[float]]]) -> float:
    spreads = [
        (max(v) - min(v)) / max(v) for by_c in passes.values() for v in by_c.values() if v and max(v) > 0
    ]
    return round(statistics.median(spreads), 3) if spreads else 0.0


def _print_profile(label: str, summary: dict[str, Any]) -> None:
    print(f"\ncordwire profile, {label} (py-spy, {summary['samples']} busy samples):")
    print("  self time by area:")
    for row in summary["self_by_area"][:8]:
        print(f"    {row['percent']:5.1f}%  {row['name']}")
    print("  inclusive time, top calls:")
    for row in summary["inclusive"][:12]:
        print(f"    {row['percent']:5.1f}%  {row['name']}")


if __name__ == "__main__":
    sys.exit(main())
