"""What the sync and async clients share: settings, request headers, and reading responses."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

import httpx

from ._errors import APIConnectionError, APITimeoutError, CordClientError, error_for_response
from ._retry import RetryPolicy

__all__ = ["DEFAULT_BASE_URL", "Settings", "connection_error", "decode", "error_from", "is_event_stream"]

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
"""Where `cordwire serve` listens by default."""
_USER_AGENT = "cordwire-client/0.1"


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    """A client's resolved configuration."""

    base_url: str
    """The gateway's root URL (or a chute's, e.g. ``.../chutes/{id}``)."""
    headers: dict[str, str]
    """Sent with every call: the API key and the user agent."""
    timeout: httpx.Timeout
    """Per attempt; for streams, the longest wait between two chunks."""
    retry: RetryPolicy
    """Which failures are retried, and after how long."""

    @classmethod
    def resolve(
        cls,
        *,
        base_url: str | None,
        api_key: str | None,
        timeout: float | httpx.Timeout,
        retry: RetryPolicy | None,
        headers: dict[str, str] | None,
    ) -> Settings:
        key = api_key if api_key is not None else os.environ.get("CORDWIRE_API_KEY")
        sent = {"user-agent": _USER_AGENT, **(headers or {})}
        if key:
            sent["x-api-key"] = key
        return cls(
            base_url=base_url or os.environ.get("CORDWIRE_BASE_URL") or DEFAULT_BASE_URL,
            headers=sent,
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            retry=retry or RetryPolicy(),
        )


def error_from(response: httpx.Response) -> CordClientError:
    """The exception for an error response whose body has been read."""
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    return error_for_response(response.status_code, body, response.headers)


def decode(response: httpx.Response) -> dict[str, Any]:
    """A successful response's JSON object."""
    try:
        value = json.loads(response.content)
    except ValueError as exc:
        kind = response.headers.get("content-type", "no content type")
        raise CordClientError(f"the response is not JSON ({kind})", status=response.status_code) from exc
    if not isinstance(value, dict):
        raise CordClientError("the response is not a JSON object", status=response.status_code)
    return value


def is_event_stream(response: httpx.Response) -> bool:
    content_type: str = response.headers.get("content-type", "")
    return content_type.startswith("text/event-stream")


def connection_error(exc: httpx.TransportError) -> APIConnectionError:
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"timed out: {exc or type(exc).__name__}")
    return APIConnectionError(f"connection failed: {exc or type(exc).__name__}")
