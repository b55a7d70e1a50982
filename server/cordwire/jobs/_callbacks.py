"""``callback_url``: the final record POSTed to the caller's URL, retried with backoff.

Addresses are checked when the job is created and again before every attempt (the name may
resolve elsewhere by then): loopback, private, link-local, multicast and reserved addresses are
refused unless the server allows them, so a job cannot make the server call its own network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import urllib.parse
from typing import Any

import httpx

from cordwire._codes import Code
from cordwire._errors import CordError

__all__ = ["check_callback_url", "deliver"]

log = logging.getLogger("cordwire.jobs")
_TIMEOUT = httpx.Timeout(10.0)


async def check_callback_url(url: str, *, allow_private: bool) -> None:
    """INVALID_ARGUMENT (400) for a URL the server will not call."""

    def refuse(why: str) -> CordError:
        return CordError(Code.INVALID_ARGUMENT, f"callback_url {why}", param="callback_url")

    if len(url) > 2048:
        raise refuse("is too long")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise refuse("is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise refuse("must be an http(s) URL with a host")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError:
        raise refuse(f"names a host that does not resolve: {parts.hostname!r}") from None
    if allow_private:
        return
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise refuse(f"resolves to {address}, a non-public address (refused)")


async def deliver(url: str, record: dict[str, Any], *, attempts: int, allow_private: bool) -> bool:
    """POST ``record`` as JSON until a 2xx answer; delays 1, 2, 4… seconds. True when delivered."""
    delay = 1.0
    async with httpx.AsyncClient(timeout=_TIMEOUT, follow_redirects=False) as client:
        for attempt in range(1, attempts + 1):
            try:
                await check_callback_url(url, allow_private=allow_private)
                response = await client.post(url, json=record)
                if response.is_success:
                    return True
                why = f"HTTP {response.status_code}"
            except CordError as error:
                log.warning("job %s: callback refused: %s", record["id"], error.message)
                return False
            except httpx.HTTPError as exc:
                why = type(exc).__name__
            log.info("job %s: callback attempt %d/%d failed (%s)", record["id"], attempt, attempts, why)
            if attempt < attempts:
                await asyncio.sleep(delay)
                delay *= 2
    log.warning("job %s: callback to its URL failed %d times; given up", record["id"], attempts)
    return False
