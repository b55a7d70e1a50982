"""The blocking HTTP client."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

import httpx

from ._base import Settings, connection_error, decode, error_from, is_event_stream
from ._jobs import Jobs
from ._retry import RetryPolicy
from ._sse import iter_messages

__all__ = ["Client"]


class Client:
    """Calls a cordwire gateway over HTTP/JSON, retrying 429, 503 and connection failures.

    >>> with Client("http://127.0.0.1:8080", api_key="cw_...") as client:
    ...     client.call("/v1/chat/completions", {"model": "tiny-lm", "messages": [...]})
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        timeout: float | httpx.Timeout = 60.0,
        retry: RetryPolicy | None = None,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``api_key`` defaults to $CORDWIRE_API_KEY, ``base_url`` to $CORDWIRE_BASE_URL, then
        ``http://127.0.0.1:8080``; ``sleep`` and ``clock`` (Unix time) are there for tests."""
        self.settings = Settings.resolve(
            base_url=base_url, api_key=api_key, timeout=timeout, retry=retry, headers=headers
        )
        self._http = httpx.Client(
            base_url=self.settings.base_url,
            headers=self.settings.headers,
            timeout=self.settings.timeout,
            transport=transport,
        )
        self._sleep = sleep
        self._clock = clock
        self.jobs = Jobs(self)
        """The chute's jobs: ``create``, ``get``, ``list``, ``cancel``, ``wait``, ``download``."""

    def call(
        self, path: str, json: Any = None, *, method: str | None = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """One call: POST ``json`` (GET when there is none, unless ``method`` says) and return the
        response's JSON object; an error response raises its :class:`CordClientError` subclass."""
        verb = method or ("GET" if json is None else "POST")
        response = self._send(verb, path, json, headers, stream=False)
        return decode(response)

    def stream(
        self, path: str, json: Any = None, *, method: str = "POST", headers: dict[str, str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """The messages of a server-streaming call, as they arrive (include ``"stream": True`` in
        ``json`` for OpenAI routes). The request goes out when iteration starts; retries happen
        only until the stream opens. An error event mid-stream raises its exception."""
        accept = {"accept": "text/event-stream", **(headers or {})}
        response = self._send(method, path, json, accept, stream=True)
        try:
            if not is_event_stream(response):  # a unary route: its one message
                response.read()
                yield decode(response)
                return
            try:
                yield from iter_messages(response.iter_bytes())
            except httpx.TransportError as exc:
                raise connection_error(exc) from exc
        finally:
            response.close()

    def _send(
        self, method: str, path: str, json: Any, headers: dict[str, str] | None, *, stream: bool
    ) -> httpx.Response:
        policy = self.settings.retry
        retry = 0
        while True:
            request = self._http.build_request(method, path, json=json, headers=headers)
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                delay = policy.next_delay(retry, now=self._clock(), error=exc)
                if delay is None:
                    raise connection_error(exc) from exc
            else:
                if response.status_code < 400:
                    return response
                response.read()
                response.close()
                delay = policy.next_delay(
                    retry, now=self._clock(), status=response.status_code, headers=response.headers
                )
                if delay is None:
                    raise error_from(response)
            self._sleep(delay)
            retry += 1

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
