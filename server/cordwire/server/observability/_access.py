"""The access log: one line per call on logger ``cordwire.access``, whichever transport brought it.

Fields are fixed and chosen here, never copied from the request wholesale, so API keys
(``authorization``, ``x-api-key``) and bodies cannot reach the log.
"""

from __future__ import annotations

import logging

__all__ = ["ACCESS_LOG", "log_access"]

ACCESS_LOG = logging.getLogger("cordwire.access")


def log_access(
    *,
    request_id: str,
    transport: str,
    chute: str,
    cord: str,
    route: str,
    status: str,
    duration_s: float,
    path: str = "",
) -> None:
    """Log one finished call; the fields ride on the record as ``record.access`` (for JSON logs)."""
    if not ACCESS_LOG.isEnabledFor(logging.INFO):
        return
    duration_ms = round(duration_s * 1000, 2)
    fields = {
        "request_id": request_id,
        "transport": transport,
        "chute": chute,
        "cord": cord,
        "route": route,
        "status": status,
        "duration_ms": duration_ms,
    }
    if path:
        fields["path"] = path
    ACCESS_LOG.info(
        "%s %s %s %.1fms chute=%s cord=%s request_id=%s",
        transport,
        path or route or "-",
        status,
        duration_ms,
        chute or "-",
        cord or "-",
        request_id,
        extra={"access": fields},
    )
