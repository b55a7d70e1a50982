"""Log set-up for `cordwire serve`: readable text by default, one JSON object per line on request."""

from __future__ import annotations

import datetime
import logging
import sys
from typing import Any

import orjson
from rich.logging import RichHandler

from ._console import stdout_console

__all__ = ["JsonFormatter", "configure_logging"]

_TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", …}``; access lines add their fields at the top level."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            out.update(access)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


def configure_logging(fmt: str = "text", level: int = logging.INFO) -> None:
    """Route cordwire's logs (access lines on ``cordwire.access`` included) to stderr as ``fmt``."""
    handler: logging.Handler
    console = stdout_console()
    if fmt == "text" and console.is_terminal:
        # A person is watching: logs go through the console that draws the start-up spinner,
        # so they print above it instead of breaking it up.
        handler = RichHandler(console=console, show_path=False, log_time_format="%H:%M:%S")
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(_TEXT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
