"""The requests of the differential run, drawn from the transcoding tables, and how answers compare.

Every row of tests/gateway/cases/binding.json and numbers.json and every tests/gateway_e2e
row on the transcoding service's own routes (``/v1/…``, no special gateway) is sent as written to
both peers. Two answers agree when their statuses are equal and, for 2xx, their bodies are: JSON
compared as values, streams as their lists of messages (cordwire's SSE ``data:`` events,
grpc-gateway's ``{"result": …}`` lines), other bodies as bytes with their Content-Type. Error
bodies are not compared (the two error shapes differ by design: OpenAI's and google.rpc.Status).
"""

from __future__ import annotations

import base64
import json
import pathlib
from dataclasses import dataclass, field
from typing import Any

import httpx

TESTS = pathlib.Path(__file__).resolve().parent.parent
TABLES = (
    ("binding", TESTS / "gateway" / "cases" / "binding.json"),
    ("numbers", TESTS / "gateway" / "cases" / "numbers.json"),
    ("http", TESTS / "gateway_e2e" / "cases" / "http.json"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    id: str
    """``table:row-id``."""
    method: str
    target: str
    """Path and query, sent exactly as written."""
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def load() -> list[Request]:
    requests = []
    for table, path in TABLES:
        for row in json.loads(path.read_text()):
            request = _from_row(f"{table}:{row['id']}", row)
            if request is not None:
                requests.append(request)
    return requests


def _from_row(rid: str, row: dict[str, Any]) -> Request | None:
    req = row["request"]
    if isinstance(req, str):  # the unit tables: "METHOD target", body, body_b64, content_type
        method, target = req.split(" ", 1)
        body = row.get("body")
        if "body_b64" in row:
            data: bytes | None = base64.b64decode(row["body_b64"])
        elif body is None:
            data = None
        else:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        headers = {"content-type": row.get("content_type", "application/json")} if data is not None else {}
        if row.get("ignore_unknown_query"):
            return None  # a setting of cordwire's, not a request
        return Request(id=rid, method=method, target=target, body=data, headers=headers)
    if not req["path"].startswith("/v1/") or {"gateway", "chunked", "body_size"} & req.keys():
        return None  # chute addressing, pages, limits: cordwire's own, not transcoding
    if req["path"].startswith("/v1/inspect"):
        return None  # header <-> metadata mapping is each gateway's own (grpc-gateway adds x-forwarded-*)
    headers = {k.lower(): v for k, v in req.get("headers", {}).items()}
    if "host" in headers or "grpc-timeout" in headers:
        return None
    data = None
    if "json" in req:
        data = json.dumps(req["json"]).encode()
        headers.setdefault("content-type", "application/json")
    elif "body" in req:
        data = req["body"].encode()
    return Request(id=rid, method=req["method"], target=req["path"], body=data, headers=headers)


async def send(client: httpx.AsyncClient, request: Request) -> httpx.Response:
    url = client.base_url.copy_with(raw_path=request.target.encode())
    headers = {k: v.encode("latin-1") for k, v in request.headers.items()}  # as a real client may send
    built = client.build_request(request.method, url, headers=headers, content=request.body)
    return await client.send(built)


def outcome(response: httpx.Response, *, sse: bool) -> tuple[int, Any]:
    """(status, the comparable body: None for errors)."""
    status = response.status_code
    if not 200 <= status < 300:
        return status, None
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if sse and media == "text/event-stream":
        lines = [line[5:] for line in response.text.splitlines() if line.startswith("data:")]
        return status, [_item(json.loads(line)) for line in lines if line.strip() != "[DONE]"]
    if media == "application/x-ndjson" or (
        not sse and media == "application/json" and "\n{" in response.text.strip()
    ):
        return status, [_item(json.loads(line)) for line in response.text.splitlines() if line]
    if media == "application/json":
        body = _without_nulls(json.loads(response.content)) if response.content else None
        if not sse and isinstance(body, dict) and body.keys() == {"result"}:
            return status, [body["result"]]  # a one-message stream
        return status, body
    return status, {"content-type": response.headers.get("content-type"), "bytes": response.text}


def _item(item: Any) -> Any:
    # A stream's message (grpc-gateway wraps each in "result"), or "error" for a failure
    # event: the two error shapes differ by design, as for whole answers.
    if isinstance(item, dict) and "error" in item:
        return "error"
    return _without_nulls(item.get("result", item) if isinstance(item, dict) else item)


def _without_nulls(value: Any) -> Any:
    # grpc-gateway's EmitUnpopulated prints unset message fields as null where cordwire leaves
    # them out; proto3 JSON reads both as the default ("null is an accepted value for all field
    # types and treated as the default value of the corresponding field type").
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
