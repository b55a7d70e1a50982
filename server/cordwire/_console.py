"""What `cordwire serve` and `cordwire routes` show: start-up progress, the routes, a call to try.

On a terminal: a spinner while Triton starts and loads models, then a table (rich). Anywhere else
(CI, pipes, log collectors): plain lines, stable for scripts that wait for ``ready`` or read the
``HTTP``/``gRPC`` addresses.
"""

from __future__ import annotations

import contextlib
import functools
import shlex
import sys
import time
from collections.abc import Iterator
from typing import TextIO

from rich.console import Console
from rich.table import Table

from ._chute import Chute
from ._cords import CordKind
from ._route_listing import chute_routes, route_lines
from .gateway._routes import Route, compile_routes

__all__ = ["StartupConsole", "print_routes", "stdout_console", "try_it"]

KEY_ENV = "CORDWIRE_API_KEY"


class StartupConsole:
    """Start-up output for one chute; ``rich`` decides per stream whether it is a terminal."""

    def __init__(self, file: TextIO | None = None, *, force_terminal: bool | None = None) -> None:
        self.console = stdout_console() if file is None else _console(file, force_terminal)
        self.dev_key: str | None = None

    @property
    def fancy(self) -> bool:
        return self.console.is_terminal

    def dev_key_created(self, key: str, where: str) -> None:
        """Announce a development key made just now (shown once: only its hash is stored)."""
        self.dev_key = key
        self.console.print(
            f"Created a development API key (stored hashed in {where}); keep it, it is not shown again:",
            markup=False,
        )
        self.console.print(f"  {key}", style="bold" if self.fancy else None, markup=False)

    @contextlib.contextmanager
    def progress(self, what: str) -> Iterator[_Progress]:
        """A spinner (terminal) or a start line and an end line (elsewhere) around a slow step."""
        progress = _Progress(self.console, what)
        if not self.fancy:
            self.console.print(f"{what}...", markup=False)
            yield progress
            self.console.print(f"{progress.done_text()}", markup=False)
            return
        with self.console.status(what, spinner="dots") as status:
            progress.status = status
            yield progress
        self.console.print(f"[green]✓[/] {progress.done_text()}")

    def banner(self, chute: Chute, grpc_target: str, http_url: str, *, auth: bool) -> None:
        """The routes, the two addresses, and a curl line that works as printed."""
        service = chute.service.full_name
        if self.fancy:
            self.console.print()
            self.console.print(f"[bold]chute[/] [cyan]{chute.chute_id}[/] ({service})")
            self.console.print(routes_table(chute))
            self.console.print()
        else:
            self.console.print(f"chute {chute.chute_id} ({service})", markup=False)
            self.console.print("\n".join(route_lines(chute)), markup=False)
        self.console.print(
            f"gRPC  {grpc_target}  (reflection on; every RPC as /{service}/<Method>)", markup=False
        )
        self.console.print(
            f"HTTP  {http_url}  (docs {http_url}/docs, metrics {http_url}/metrics)", markup=False
        )
        line = try_it(chute, http_url, key=self.dev_key if auth else None, auth=auth)
        if line:
            # Never broken by us: a newline inside the command would break copy and paste.
            self.console.print("try:  " + line, markup=False, soft_wrap=True)

    def line(self, text: str) -> None:
        self.console.print(text, markup=False, style="bold green" if text == "ready" and self.fancy else None)


class _Progress:
    def __init__(self, console: Console, what: str) -> None:
        self.console = console
        self.what = what
        self.started = time.monotonic()
        self.status: object | None = None
        self.result = "done"

    def update(self, detail: str) -> None:
        """New detail for the spinner (dropped off a terminal: it would be one line per tick)."""
        status = self.status
        if status is not None:
            status.update(f"{self.what} [dim]{detail}[/]")  # type: ignore[attr-defined]

    def done_text(self) -> str:
        return f"{self.what}: {self.result} ({time.monotonic() - self.started:.1f}s)"


def routes_table(chute: Chute) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("HTTP")
    table.add_column("path")
    table.add_column("RPC", style="cyan")
    table.add_column("shape")
    for route in chute_routes(chute):
        table.add_row(route.http_method, route.template.source, route.method.name, _shape(route))
        if route.twin is not None:
            table.add_row("", f"  {route.stream_selector}=true", route.twin.method.name, _shape(route.twin))
    return table


def print_routes(chute: Chute, file: TextIO | None = None) -> None:
    """`cordwire routes`: a table on a terminal, the plain listing otherwise."""
    console = _console(file or sys.stdout, None)
    if console.is_terminal:
        console.print(f"[bold]chute[/] [cyan]{chute.chute_id}[/] ({chute.service.full_name})")
        console.print(routes_table(chute))
    else:
        console.print(f"chute {chute.chute_id} ({chute.service.full_name})", markup=False)
        console.print("\n".join(route_lines(chute)), markup=False)


def try_it(chute: Chute, http_url: str, *, key: str | None, auth: bool = True) -> str:
    """A ready-to-paste curl call of the simplest route: a GET without path variables if any."""
    routes = compile_routes(chute.service).routes
    plain = [r for r in routes if "{" not in r.template.source and r.http_method in ("GET", "POST")]
    if not plain:
        return ""
    route = next((r for r in plain if r.http_method == "GET"), plain[0])
    parts = ["curl"]
    if auth:
        parts += ["-H", f"Authorization: Bearer {key}" if key else f"Authorization: Bearer ${KEY_ENV}"]
    if route.http_method == "POST":
        parts += ["-H", "Content-Type: application/json", "-d", "{}"]
    parts.append(http_url + route.template.source)
    # Double quotes around a header naming $CORDWIRE_API_KEY so the shell expands it.
    return " ".join(f'"{p}"' if f"${KEY_ENV}" in p else shlex.quote(p) for p in parts)


@functools.cache
def stdout_console() -> Console:
    """The one console on stdout: logs printed through it on a terminal stay above the spinner."""
    return _console(sys.stdout, None)


def _console(file: TextIO, force_terminal: bool | None) -> Console:
    console = Console(file=file, force_terminal=force_terminal, highlight=False)
    # Off a terminal, lines are never wrapped: scripts match them whole (rich assumes 80 columns).
    console.soft_wrap = not console.is_terminal
    return console


def _shape(route: Route) -> str:
    kind = CordKind.of(route.method)
    return "unary" if kind is CordKind.UNARY else kind.value.replace("_", " ")
