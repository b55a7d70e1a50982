"""Property tests (hypothesis) for the gateway's pure parts: path templates, matching, JSON <-> proto.

- A generated template parses; a path built from it matches it and binds back the values it was
  built from; random strings never make the parser raise anything but TemplateError.
- A request message shaped to JSON (as responses are) and bound back (as ``body: "*"`` requests
  are) is the same message, for every field type of the transcoding proto's SearchRequest.
"""

from __future__ import annotations

import contextlib
import dataclasses
import string
from typing import Any
from urllib.parse import quote

import orjson
import pytest
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cordwire import CordError
from cordwire.gateway._binding import bind_request
from cordwire.gateway._matcher import Matcher
from cordwire.gateway._responses import shape_response
from cordwire.gateway._routes import Route, RouteTable, compile_routes
from cordwire.gateway._templates import TemplateError, parse_template
from tests.gateway_e2e.chute import transcoding_service

# Bounded: these run in `make test` on two shared cores. No example database: nothing written to the
# checkout, and every run draws fresh examples.
PROPERTY = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.fixture(scope="module")
def table() -> RouteTable:
    return compile_routes(transcoding_service())


def _route(table: RouteTable, method: str) -> Route:
    return next(r for r in table.routes if r.method.name == method)


# -- templates and matching -----------------------------------------------------------------------

LITERAL = st.text(string.ascii_lowercase + string.digits + "-._~", min_size=1, max_size=8)
IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
# Segment text as a client means it: anything but '/' (a '/' inside one segment is %2F on the wire).
VALUE = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="/"), min_size=1, max_size=10)


@dataclasses.dataclass
class Built:
    template: str
    path: str
    bindings: dict[str, str]


@st.composite
def template_and_path(draw: st.DrawFn) -> Built:
    """A template of literals, ``*`` and variables (``{f}``, ``{f=lit/*}``, a final ``{f=**}``),
    maybe a custom verb; a path matching it; the values its variables must bind."""
    template: list[str] = []
    path: list[str] = []
    bindings: dict[str, str] = {}
    names = iter(draw(st.lists(IDENT, min_size=5, max_size=5, unique=True)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["literal", "star", "var", "var-multi"]))
        if kind == "literal":
            text = draw(LITERAL)
            template.append(text)
            path.append(text)
        elif kind == "star":
            template.append("*")
            path.append(quote(draw(VALUE), safe=""))
        elif kind == "var":
            name, value = next(names), draw(VALUE)
            template.append("{" + name + "}")
            path.append(quote(value, safe=""))
            bindings[name] = value
        else:
            name, prefix, value = next(names), draw(LITERAL), draw(VALUE)
            template.append("{" + name + "=" + prefix + "/*}")
            path += [prefix, quote(value, safe="")]
            bindings[name] = f"{prefix}/{value}"  # multi-segment: decoded, the '/' kept
    if draw(st.booleans()):
        name = next(names)
        values = draw(st.lists(VALUE, max_size=3))
        template.append("{" + name + "=**}")
        path += [quote(v, safe="") for v in values]
        bindings[name] = "/".join(values)
    verb = draw(st.one_of(st.just(""), LITERAL.map(lambda v: ":" + v)))
    return Built(
        template="/" + "/".join(template) + verb, path="/" + "/".join(path) + verb, bindings=bindings
    )


@PROPERTY
@given(built=template_and_path())
def test_a_path_built_from_a_template_matches_it_and_binds_the_values(
    table: RouteTable, built: Built
) -> None:
    parsed = parse_template(built.template)
    assert parsed.source == built.template
    assert {v.name for v in parsed.variables} == set(built.bindings)
    # Any route will do as a carrier: the matcher reads only its template and HTTP method.
    route = dataclasses.replace(_route(table, "Search"), template=parsed)
    matched, bindings = Matcher([route]).match("GET", built.path)
    assert matched is route
    assert bindings == built.bindings


TEMPLATE_CHARS = st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Z", "Cc"))


@PROPERTY
@given(source=st.one_of(st.text(TEMPLATE_CHARS, max_size=40), st.text("/{}=*:.ab_", max_size=40)))
def test_random_text_never_crashes_the_template_parser(source: str) -> None:
    with contextlib.suppress(TemplateError):  # anything else propagates: the property fails
        parse_template(source)


@PROPERTY
@given(path=st.text(st.characters(codec="utf-8"), max_size=40).map(lambda p: "/" + p))
def test_random_paths_never_crash_the_matcher(table: RouteTable, path: str) -> None:
    try:
        Matcher(table.routes).match("GET", path)
    except CordError as error:
        assert error.http_status in (400, 404, 405)


# -- JSON <-> proto round trips -------------------------------------------------------------------

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
INT32 = st.integers(-(2**31), 2**31 - 1)
INT64 = st.integers(-(2**63), 2**63 - 1)
ENUM = st.integers(0, 2)
TIMESTAMP = st.tuples(st.integers(-62_135_596_800, 253_402_300_799), st.integers(0, 999_999_999))
# KNOWN (protobuf's json_format, not cordwire): float32's largest value prints as 3.4028235e+38,
# which as a double exceeds it, and parsing refuses "Float value too large". Go's protojson reads it.
FLT_MAX = 3.4028234663852886e38
SNAKE = st.from_regex(r"[a-z]{1,5}(_[a-z]{1,5}){0,2}", fullmatch=True)  # what FieldMask's camelCase inverts
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=False, allow_infinity=False), TEXT)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def duration(draw: st.DrawFn) -> tuple[int, int]:
    seconds = draw(st.integers(-315_576_000_000, 315_576_000_000))
    nanos = draw(st.integers(0, 999_999_999))
    return seconds, -nanos if seconds < 0 else nanos  # proto: nanos carry the seconds' sign


@st.composite
def book(draw: st.DrawFn, message: Any) -> None:
    message.name = draw(TEXT)
    message.title = draw(TEXT)
    if draw(st.booleans()):
        message.author.display_name = draw(TEXT)
        message.author.born = draw(INT32)
    message.tags.extend(draw(st.lists(TEXT, max_size=3)))
    message.labels.update(draw(st.dictionaries(TEXT, TEXT, max_size=3)))
    message.color = draw(ENUM)
    message.page_count = draw(INT64)
    if draw(st.booleans()):
        message.published.seconds, message.published.nanos = draw(TIMESTAMP)
    if draw(st.booleans()):
        message.subtitle = draw(TEXT)


@st.composite
def search_request(draw: st.DrawFn, cls: type[Message]) -> Message:
    m: Any = cls()
    m.query = draw(TEXT)
    m.limit = draw(INT32)
    m.offset = draw(INT64)
    m.big = draw(st.integers(0, 2**64 - 1))
    m.score = draw(st.floats(allow_nan=False))
    m.ratio = draw(st.floats(width=32, allow_nan=False).filter(lambda f: abs(f) != FLT_MAX))
    m.exact = draw(st.booleans())
    m.color = draw(ENUM)
    m.colors.extend(draw(st.lists(ENUM, max_size=3)))
    m.tags.extend(draw(st.lists(TEXT, max_size=3)))
    m.ids.extend(draw(st.lists(INT64, max_size=3)))
    m.token = draw(st.binary(max_size=12))
    if draw(st.booleans()):
        m.after.seconds, m.after.nanos = draw(TIMESTAMP)
    if draw(st.booleans()):
        m.within.seconds, m.within.nanos = draw(duration())
    if draw(st.booleans()):
        m.fields.paths.extend(draw(st.lists(SNAKE, max_size=3)))
    if draw(st.booleans()):
        m.min_pages.value = draw(INT32)
    if draw(st.booleans()):
        m.in_print.value = draw(st.booleans())
    if draw(st.booleans()):
        m.note.value = draw(TEXT)
    if draw(st.booleans()):
        draw(book(m.filter))
    for _ in range(draw(st.integers(0, 2))):
        draw(book(m.examples.add()))
    m.labels.update(draw(st.dictionaries(TEXT, TEXT, max_size=3)))
    if draw(st.booleans()):
        m.extra.update(draw(st.dictionaries(TEXT, JSON_VALUE, max_size=3)))
    cursor = draw(st.sampled_from(["", "page_token", "page_number"]))
    if cursor == "page_token":
        m.page_token = draw(TEXT)
    elif cursor == "page_number":
        m.page_number = draw(INT32)
    if draw(st.booleans()):
        m.maybe = draw(INT32)
    m.delta = draw(INT32)
    m.stamp = draw(st.integers(0, 2**64 - 1))
    return m  # type: ignore[no-any-return]


@PROPERTY
@given(data=st.data())
def test_message_to_json_to_message_is_identity(table: RouteTable, data: st.DataObject) -> None:
    route = _route(table, "EchoSearch")  # POST /v1/search:echo, body "*", SearchRequest both ways
    message = data.draw(search_request(route.binding.message_class))
    body = orjson.dumps(shape_response(route.response, message))
    # A body over the cord's max_body_bytes never reaches binding; the property is about the mapping.
    back = bind_request(route.binding, {}, (), body, "application/json")
    assert back == message, (message, body)
