"""Where cordwire's HTTP path spends CPU under load: py-spy samples the server while wrk drives it.

py-spy reads the process's memory from outside (``--nonblocking``: without pausing it), so the
profile costs the server little. Its collapsed stacks are summarised here: self time per function
and inclusive time per area of the code, as shares of the samples in which a thread was running.
"""

from __future__ import annotations

import collections
import json
import pathlib
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from .gobuild import Tools
from .load.sse import run_sseload
from .load.wrk import run_wrk
from .paths import REPO
from .peers import Peers, payloads

__all__ = ["profile_http"]

# Paths as py-spy prints them (relative to sys.path). First match wins, specific before general.
_AREAS = (
    ("cordwire gateway/", "cordwire/gateway/"),
    ("cordwire server/triton/", "cordwire/server/triton/"),
    ("cordwire server/", "cordwire/server/"),
    ("bench chute handler", "bench/chute.py"),
    ("protobuf json_format", "protobuf/json_format"),
    ("protobuf (other)", "protobuf/"),
    ("grpc (aio, cython)", "grpc/"),
    ("uvicorn/httptools", "uvicorn/"),
    ("asyncio event loop", "asyncio/"),
    ("selectors (epoll)", "selectors.py"),
    ("numpy", "numpy/"),
    ("threads (grpc poller etc.)", "threading.py"),
)
# Frames every sample passes through (entry point, event loop): 100% inclusive, so no information.
_ROOTS = ("runpy", "cordwire/__main__.py", "cordwire/_cli/", "asyncio/", "selectors.py", "threading.py")
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _frames(stack: str) -> list[tuple[str, str]]:
    frames = []
    for raw in stack.split(";"):
        match = _FRAME.match(raw.strip())
        frames.append((match["func"], match["file"]) if match else (raw.strip(), ""))
    return frames


def _area(path: str) -> str:
    return next((area for area, marker in _AREAS if marker in path), "other")


def summarise(collapsed: str, top: int = 15) -> dict[str, Any]:
    """From py-spy ``--format raw`` output (``f1;f2;…;fN count`` lines): where the CPU is (self time,
    by function and by area of the code) and which of our calls it is under (inclusive time)."""
    total = 0
    self_time: collections.Counter[str] = collections.Counter()
    self_area: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = _frames(stack)
        func, path = frames[-1]
        self_time[f"{func} ({path})"] += count
        self_area[_area(path)] += count
        for name in {f"{f} ({p})" for f, p in frames if not any(r in p for r in _ROOTS)}:
            inclusive[name] += count
    if not total:
        return {"samples": 0}

    def shares(counter: collections.Counter[str], n: int) -> list[dict[str, Any]]:
        return [{"name": k, "percent": round(100 * v / total, 1)} for k, v in counter.most_common(n)]

    return {
        "samples": total,
        "self_by_area": shares(self_area, len(_AREAS) + 1),
        "self": shares(self_time, top),
        "inclusive": shares(inclusive, 25),
    }


def _record(pid: int, raw: pathlib.Path, seconds: float, load: Callable[[], object]) -> dict[str, Any]:
    # The venv's py-spy first: `make bench` runs without the venv on PATH.
    venv_py_spy = pathlib.Path(sys.executable).with_name("py-spy")
    py_spy = str(venv_py_spy) if venv_py_spy.exists() else shutil.which("py-spy")
    if py_spy is None:
        return {"skipped": "py-spy is not installed (pip install py-spy)"}
    thread = threading.Thread(target=load, name="profile-load", daemon=True)
    thread.start()
    argv = [py_spy, "record", "--pid", str(pid), "--duration", f"{seconds:g}", "--rate", "250"]
    argv += ["--nonblocking", "--format", "raw", "-o", str(raw)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    thread.join(timeout=120)
    if result.returncode != 0 or not raw.exists():
        return {"skipped": f"py-spy failed: {result.stderr.strip()[-500:]}"}
    summary = summarise(raw.read_text())
    summary["raw_stacks"] = str(raw.relative_to(REPO)) if raw.is_relative_to(REPO) else str(raw)
    return summary


def profile_http(
    peers: Peers, tools: Tools, out_dir: pathlib.Path, *, seconds: float = 8.0
) -> dict[str, Any]:
    """py-spy on the cordwire process twice: unary echo under wrk at c=8, then one long SSE stream."""
    assert peers.cordwire is not None
    pid, http = peers.cordwire.pid, peers.addresses.cordwire_http
    echo = json.dumps(payloads.ECHO)
    unary = _record(
        pid,
        out_dir / "profile-unary.txt",
        seconds,
        lambda: run_wrk("cordwire-http", f"http://{http}/v1/echo", echo, 8, seconds + 2),
    )
    # Enough tokens to outlast the recording at the single-stream rate measured before.
    stream = _record(
        pid,
        out_dir / "profile-sse.txt",
        seconds,
        lambda: run_sseload(tools.sseload, f"http://{http}/v1/count", {"count": 100_000}, 1, 120),
    )
    return {"unary_c8": unary, "sse_one_stream": stream}
