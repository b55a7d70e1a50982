"""docs/img/console.png: `cordwire serve` (the demo) as a terminal shows it, for the README.

Runs the real command under a pseudo-terminal (so it draws what a person sees), stops it once it
prints ``ready``, replays the captured bytes onto a small virtual screen (the spinner redraws its
line in place), renders that with rich to SVG and has headless Chromium turn the SVG into a PNG.

    .venv/bin/python scripts/console_screenshot.py [--out docs/img/console.png]
"""

from __future__ import annotations

import argparse
import io
import os
import pathlib
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

from rich.console import Console
from rich.text import Text

ROOT = pathlib.Path(__file__).resolve().parent.parent
COLUMNS, ROWS = 132, 40
_CONTROL = re.compile(r"\x1b\[(\??)([0-9;]*)([A-Za-z])|\r|\n|[^\x1b\r\n]+")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def capture(timeout: float) -> str:
    """Everything `cordwire serve` writes to its terminal up to ``ready``."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "COLUMNS": str(COLUMNS),
            "LINES": str(ROWS),
            "TERM": "xterm-256color",
            "CORDWIRE_KEYS_DB": f"{tmp}/keys.db",  # a fresh one: the dev key and its curl line show
        }
        env.pop("NO_COLOR", None)
        leader, follower = pty.openpty()
        command = [sys.executable, "-m", "cordwire", "serve"]  # the defaults: HTTP 8080, gRPC 50051
        process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, env=env)
        os.close(follower)
        out = bytearray()
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([leader], [], [], 0.5)
                if ready:
                    try:
                        out += os.read(leader, 65536)
                    except OSError:
                        break  # the child closed the terminal
                plain = _ANSI.sub("", out.decode(errors="replace")).replace("\r", "\n")
                if any(line.strip() == "ready" for line in plain.splitlines()):
                    break
                if process.poll() is not None:
                    break
            else:
                raise TimeoutError(f"no 'ready' within {timeout:.0f}s:\n{out.decode(errors='replace')}")
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
            os.close(leader)
        return out.decode(errors="replace")


def screen(raw: str) -> str:
    """The lines left on a terminal after ``raw``: carriage returns, erased and rewritten lines."""
    lines = [""]
    row = 0
    fresh = False  # after a carriage return, the next text overwrites the line
    for match in _CONTROL.finditer(raw):
        token = match.group(0)
        if token == "\n":
            row += 1
            if row == len(lines):
                lines.append("")
            fresh = False
        elif token == "\r":
            fresh = True
        elif match.group(3) == "K":  # erase the line
            lines[row] = ""
        elif match.group(3) == "A":  # cursor up
            row = max(0, row - int(match.group(2) or 1))
        elif match.group(3) == "m":  # colours and styles: kept for rich to read
            lines[row] += token
        elif match.group(3) is None:
            lines[row] = token if fresh else lines[row] + token
            fresh = False
    return "\n".join(lines).rstrip() + "\n"


def render(text: str, out: pathlib.Path) -> None:
    console = Console(
        record=True, width=COLUMNS, force_terminal=True, color_system="truecolor", file=io.StringIO()
    )
    console.print("$ cordwire serve", style="bold")
    console.print(Text.from_ansi(text), soft_wrap=True)
    with tempfile.TemporaryDirectory() as tmp:
        svg = pathlib.Path(tmp) / "console.svg"
        console.save_svg(str(svg), title="cordwire serve")
        width, height = (
            int(float(v)) + 1 for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg.read_text()).groups()
        )  # type: ignore[union-attr]
        html = pathlib.Path(tmp) / "console.html"
        html.write_text(
            f"<html><body style='margin:0;background:#fff'><img src='console.svg' "
            f"width='{width}' height='{height}'></body></html>"
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={tmp}/profile",
                "--hide-scrollbars",
                f"--window-size={width},{height}",
                f"--screenshot={out.resolve()}",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "img" / "console.png")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for 'ready'")
    args = parser.parse_args()
    raw = capture(args.timeout)
    render(screen(raw), args.out)
    print(args.out)


if __name__ == "__main__":
    main()
