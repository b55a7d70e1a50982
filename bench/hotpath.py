"""The two hot paths side by side in one run: one SSE stream and sequential unary calls.

    .venv/bin/python -m bench.hotpath [--baseline DIR] [--tokens 10000] [--rounds 5] [--profile DIR]

Starts a ``tritonserver`` (the bench models) for the direct peers and ``cordwire serve
bench.chute:chute`` (Triton in-process) from this tree, and with ``--baseline`` a second one from
another checkout (its own ``.venv``, e.g. ``/work/main``) so that a change is measured against
what it replaces under the same load. Rounds interleave the peers; medians are reported:

- one stream of ``--tokens`` responses from the decoupled ``counter``: Triton's gRPC endpoint by a
  Python grpc.aio client (issue #15's baseline) against cordwire SSE read by sseload (Go);
- ``identity`` at c=1 (wrk): Triton's own HTTP endpoint against cordwire HTTP, p50.

``--profile DIR`` then records py-spy on this tree's server during one long stream and during
unary c=1 load, raw stacks in DIR. Needs wrk and the bench's Go tools (``make bench-deps``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import statistics
import sys
from typing import Any

from cordwire.server.triton import TritonProcess

from .gobuild import ensure_tools
from .load import pygrpc, sse
from .load.wrk import run_wrk
from .paths import CACHE, MODELS, REPO
from .peers import check_echo, payloads
from .procs import Procs, free_port, http_ok, wait_until
from .profile import _record

_MODELS = ("identity", "counter")


def _serve(procs: Procs, name: str, tree: pathlib.Path) -> str:
    python = tree / ".venv" / "bin" / "python"
    port = free_port()
    argv = [str(python), "-m", "cordwire", "serve", "bench.chute:chute", "--no-auth"]
    argv += ["--http-port", str(port), "--grpc-port", str(free_port()), "--max-connections-per-ip", "4096"]
    process = procs.start(name, argv, cwd=tree)
    url = f"http://127.0.0.1:{port}"
    body = json.dumps(payloads.ECHO).encode()
    try:
        wait_until(lambda: http_ok(f"{url}/v1/echo", body), 180, name, lambda: process.poll() is None)
    except (RuntimeError, TimeoutError) as exc:
        raise RuntimeError(f"{exc}; its log ends:\n{procs.log_tail(name)}") from None
    check_echo(f"{url}/v1/echo")
    return url


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hotpath", description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=pathlib.Path, help="another checkout to measure beside this one")
    parser.add_argument("--tokens", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--unary-seconds", type=float, default=4.0)
    parser.add_argument("--no-unary", action="store_true")
    parser.add_argument("--profile", type=pathlib.Path, help="py-spy this tree's server; raw stacks here")
    parser.add_argument("--json", type=pathlib.Path, help="write the figures here too")
    args = parser.parse_args()

    tools = ensure_tools()
    log_dir = CACHE / "logs" / ("hotpath-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    trees = {"cordwire": REPO}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), **trees}
    triton = TritonProcess(MODELS, _MODELS, log_dir=log_dir)
    results: dict[str, Any] = {"stream": {}, "unary_c1": {}}
    with Procs(log_dir) as procs:
        try:
            triton.launch()
            wait_until(
                lambda: all(http_ok(f"http://{triton.http_address}/v2/models/{m}/ready") for m in _MODELS),
                120,
                "tritonserver",
                triton.running,
            )
            urls = {name: _serve(procs, name, tree) for name, tree in trees.items()}
            stream: dict[str, list[float]] = {"triton-grpc": [], **{name: [] for name in urls}}
            unary: dict[str, list[tuple[float, float]]] = {"triton-http": [], **{n: [] for n in urls}}
            echo = json.dumps(payloads.ECHO)
            triton_body = json.dumps(payloads.TRITON_HTTP)
            for round_ in range(args.rounds):
                stream["triton-grpc"].append(
                    pygrpc.run_stream(triton.grpc_address, args.tokens)["events_per_s"]
                )
                for name, url in urls.items():
                    got = sse.run_sseload(tools.sseload, f"{url}/v1/count", {"count": args.tokens}, 1, 60)
                    stream[name].append(got["events_per_s"])
                line = "  ".join(f"{k} {v[-1]:7.0f}/s" for k, v in stream.items())
                print(f"round {round_ + 1} stream: {line}", flush=True)
                if args.no_unary:
                    continue
                infer = f"http://{triton.http_address}/v2/models/identity/infer"
                peers = {"triton-http": (infer, triton_body)}
                peers |= {name: (f"{url}/v1/echo", echo) for name, url in urls.items()}
                for name, (url, body) in peers.items():
                    run_wrk(name, url, body, 1, 1.0)  # warm-up
                    cell = run_wrk(name, url, body, 1, args.unary_seconds)
                    unary[name].append((cell.p50_ms, cell.rps))
                line = "  ".join(f"{k} p50 {v[-1][0]:.3f} ms" for k, v in unary.items())
                print(f"round {round_ + 1} unary c=1: {line}", flush=True)
            for name, rates in stream.items():
                results["stream"][name] = {"median_per_s": statistics.median(rates), "runs": rates}
            for name, cells in unary.items():
                if cells:
                    results["unary_c1"][name] = {
                        "p50_ms_median": statistics.median(c[0] for c in cells),
                        "rps_median": statistics.median(c[1] for c in cells),
                        "runs": cells,
                    }
            if args.profile is not None:
                args.profile.mkdir(parents=True, exist_ok=True)
                pid = procs._started[-1][1].pid  # this tree's server: started last
                url = urls["cordwire"]
                results["profile_stream"] = _record(
                    pid,
                    args.profile / "stream.txt",
                    6.0,
                    lambda: sse.run_sseload(tools.sseload, f"{url}/v1/count", {"count": 200_000}, 1, 120),
                )
                results["profile_unary_c1"] = _record(
                    pid,
                    args.profile / "unary.txt",
                    6.0,
                    lambda: run_wrk("cordwire", f"{url}/v1/echo", echo, 1, 8.0),
                )
        finally:
            triton.close()
    _report(results)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def _report(results: dict[str, Any]) -> None:
    direct = results["stream"]["triton-grpc"]["median_per_s"]
    print("\none stream, responses/s (median):")
    for name, row in results["stream"].items():
        print(f"  {name:12} {row['median_per_s']:8.0f}  {row['median_per_s'] / direct:5.2f}x direct")
    if results["unary_c1"]:
        base = results["unary_c1"]["triton-http"]["p50_ms_median"]
        print("unary c=1, p50 (median of rounds):")
        for name, row in results["unary_c1"].items():
            p50 = row["p50_ms_median"]
            print(f"  {name:12} {p50:6.3f} ms  (+{p50 - base:.3f} ms)  {row['rps_median']:7.0f} req/s")
    for key in ("profile_stream", "profile_unary_c1"):
        summary = results.get(key)
        if isinstance(summary, dict) and "self" in summary:
            print(f"\n{key} ({summary['samples']} samples), self by area:")
            for row in summary["self_by_area"][:10]:
                print(f"  {row['percent']:5.1f}%  {row['name']}")
            print("  self, top functions:")
            for row in summary["self"][:15]:
                print(f"  {row['percent']:5.1f}%  {row['name']}")


if __name__ == "__main__":
    sys.exit(main())
