"""Results of a run: issue #8's targets, the printed table, the JSON record and the PNG chart."""

from __future__ import annotations

import dataclasses
import json
import pathlib
from typing import Any

from .load import Cell
from .suite import PEERS

__all__ = ["chart", "print_table", "targets", "write_json"]


def _cell(cells: list[Cell], peer: str, concurrency: int) -> Cell | None:
    return next((c for c in cells if c.peer == peer and c.concurrency == concurrency), None)


def _ratio(a: Cell | None, b: Cell | None) -> float | None:
    return a.rps / b.rps if a and b and b.rps else None


def targets(cells: list[Cell], streams: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue #8's targets, each with the measured value and whether it is met."""
    cw8, cw1 = _cell(cells, "cordwire-http", 8), _cell(cells, "cordwire-http", 1)
    tr1 = _cell(cells, "triton-http", 1)
    rows: list[tuple[str, float | None, str, bool | None]] = []

    def at_least(name: str, value: float | None, floor: float) -> None:
        rows.append((name, value, f">= {floor:g}", None if value is None else value >= floor))

    at_least("cordwire HTTP / Triton HTTP req/s, c=8", _ratio(cw8, _cell(cells, "triton-http", 8)), 0.5)
    at_least("cordwire HTTP / FastAPI proxy req/s, c=8", _ratio(cw8, _cell(cells, "fastapi-proxy", 8)), 2.0)
    at_least("cordwire HTTP / grpc-gateway v2 req/s, c=8", _ratio(cw8, _cell(cells, "grpc-gateway", 8)), 1.0)
    at_least("cordwire gRPC / cordwire HTTP req/s, c=8", _ratio(_cell(cells, "cordwire-grpc", 8), cw8), 1.0)
    extra = cw1.p50_ms - tr1.p50_ms if cw1 and tr1 else None
    rows.append(
        (
            "cordwire HTTP p50 - Triton HTTP p50, c=1 (ms)",
            extra,
            "<= 0.3",
            None if extra is None else extra <= 0.3,
        )
    )
    single = streams.get("single", {})
    direct = single.get("direct_triton_tokens_per_s")
    at_least(
        "one SSE stream / direct Triton stream tokens/s",
        single["cordwire_sse_tokens_per_s"] / direct if direct else None,
        0.8,
    )
    many = streams.get("concurrent", {})
    if many:
        rows.append(
            (
                f"{many['streams']} concurrent SSE streams completed",
                float(many["completed"]),
                f"= {many['streams']}",
                many["completed"] == many["streams"] and many["errors"] == 0,
            )
        )
        peak = max(many["cordwire_rss_peak_sampled_mb"], many["cordwire_rss_hwm_mb"])
        rows.append(("cordwire peak RSS during them (MB)", peak, "< 300", peak < 300))
    return [{"target": n, "value": v, "goal": g, "met": m} for n, v, g, m in rows]


def print_table(cells: list[Cell], streams: dict[str, Any], goals: list[dict[str, Any]]) -> None:
    concurrencies = sorted({c.concurrency for c in cells})
    header = f"{'peer':16}" + "".join(f" | c={c:<3} req/s   p50 ms   p99 ms" for c in concurrencies)
    print("\n" + header)
    print("-" * len(header))
    for peer in PEERS:
        row = f"{peer:16}"
        for c in concurrencies:
            cell = _cell(cells, peer, c)
            row += (
                f" | {cell.rps:11.0f} {cell.p50_ms:8.2f} {cell.p99_ms:8.2f}" + ("!" if cell.errors else " ")
                if cell
                else f" | {'-':>28} "
            )
        print(row)
    print("(! = some errors; triton-grpc-py is driven by a Python client, the rest by wrk/ghz)")
    single, many = streams.get("single", {}), streams.get("concurrent", {})
    if single:
        direct, via_sse = single["direct_triton_tokens_per_s"], single["cordwire_sse_tokens_per_s"]
        print(
            f"\none stream, {single['tokens']} tokens: direct Triton {direct:.0f} tok/s,"
            f" cordwire SSE {via_sse:.0f} tok/s"
        )
    if many:
        print(
            f"{many['streams']} concurrent SSE streams: {many['completed']} completed,"
            f" {many['errors']} errors, wall {many['wall_s']:.1f} s,"
            f" first event p50 {many['first_event_p50_s']:.2f} s"
        )
        before, peak, hwm = (
            many[k] for k in ("cordwire_rss_before_mb", "cordwire_rss_peak_sampled_mb", "cordwire_rss_hwm_mb")
        )
        print(
            f"  cordwire RSS {before:.0f} MB before, peak {peak:.0f} MB sampled during (VmHWM {hwm:.0f} MB)"
        )
        direct = streams.get("concurrent_direct_triton")
        if direct:
            print(
                f"  the same streams direct from Triton: {direct['completed']} completed,"
                f" wall {direct['wall_s']:.1f} s"
            )
    print("\nissue #8 targets:")
    for goal in goals:
        number = goal["value"]
        value = "n/a" if number is None else f"{number:.0f}" if abs(number) >= 100 else f"{number:.3g}"
        verdict = {True: "MET", False: "NOT MET", None: "n/a"}[goal["met"]]
        print(f"  {goal['target']:50} {value:>9}  (goal {goal['goal']:>7})  {verdict}")


def write_json(path: pathlib.Path, record: dict[str, Any], cells: list[Cell]) -> None:
    record = {**record, "unary": [dataclasses.asdict(c) for c in cells]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")


def chart(path: pathlib.Path, cells: list[Cell], streams: dict[str, Any], title: str) -> bool:
    """Throughput, p50 latency and streaming side by side; False when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display: render straight to the PNG
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    concurrencies = sorted({c.concurrency for c in cells})
    peers = [p for p in PEERS if any(c.peer == p for c in cells)]
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.5), gridspec_kw={"width_ratios": [3, 3, 2]})
    width = 0.8 / len(peers)
    for i, peer in enumerate(peers):
        xs = [j + (i - (len(peers) - 1) / 2) * width for j in range(len(concurrencies))]
        found = [_cell(cells, peer, c) for c in concurrencies]
        axes[0].bar(xs, [c.rps if c else 0 for c in found], width, label=peer)
        axes[1].bar(xs, [c.p50_ms if c else 0 for c in found], width, label=peer)
    for ax, label in ((axes[0], "requests/s"), (axes[1], "p50 latency, ms (log)")):
        ax.set_xticks(range(len(concurrencies)), [f"c={c}" for c in concurrencies])
        ax.set_ylabel(label)
        ax.grid(axis="y", alpha=0.3)
    axes[1].set_yscale("log")
    axes[0].legend(fontsize=8)
    axes[0].set_title("unary echo through Triton identity")
    axes[1].set_title("median latency")
    single, many = streams.get("single", {}), streams.get("concurrent", {})
    if single:
        axes[2].bar(
            ["Triton direct\n(Python gRPC)", "cordwire SSE\n(Go client)"],
            [single["direct_triton_tokens_per_s"], single["cordwire_sse_tokens_per_s"]],
            color=["tab:gray", "tab:purple"],
        )
        axes[2].set_ylabel("tokens/s, one stream")
        axes[2].set_title("streaming (counter model)")
    if many:
        axes[2].text(
            0.5,
            -0.2,
            f"{many['streams']} concurrent SSE streams: {many['completed']} completed,\n"
            f"cordwire peak RSS {many['cordwire_rss_peak_sampled_mb']:.0f} MB",
            transform=axes[2].transAxes,
            ha="center",
            va="top",
            fontsize=9,
        )
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
