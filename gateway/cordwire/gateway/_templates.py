"""Path templates of google.api.http, parsed once at start-up into a frozen compiled form.

Grammar (google/api/http.proto)::

    Template = "/" Segments [ Verb ] ;
    Segments = Segment { "/" Segment } ;
    Segment  = "*" | "**" | LITERAL | Variable ;
    Variable = "{" FieldPath [ "=" Segments ] "}" ;
    FieldPath = IDENT { "." IDENT } ;
    Verb     = ":" LITERAL ;
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from cordwire._errors import DefinitionError

__all__ = [
    "RouteError",
    "Segment",
    "SegmentKind",
    "Template",
    "TemplateError",
    "Variable",
    "check_fields",
    "parse_template",
]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Characters a literal may not hold: template syntax, and what cannot appear raw in a URL path.
_BAD_LITERAL = re.compile(r"[{}=*/?#\s]")


class RouteError(DefinitionError):
    """A google.api.http rule cordwire cannot serve: a start-up error, never a request-time status."""


class TemplateError(RouteError):
    """A path template that breaks the grammar or does not fit its request message."""

    def __init__(self, template: str, reason: str, position: int | None = None) -> None:
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"invalid path template {template!r}{where}: {reason}")
        self.template = template
        self.reason = reason
        self.position = position


class SegmentKind(enum.Enum):
    LITERAL = "literal"
    """Matches its text exactly (compared with the raw, still percent-encoded, URL segment)."""
    SINGLE = "*"
    """Matches one non-empty segment."""
    MULTI = "**"
    """Matches zero or more segments; only ever last."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Segment:
    kind: SegmentKind
    """What the segment matches."""
    text: str
    """The literal's text, or ``*`` / ``**``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Variable:
    field_path: tuple[str, ...]
    """The request field the captured text goes to, as proto field names."""
    start: int
    """Index of the first path segment the variable captures."""
    end: int | None
    """Index after its last segment; None when it ends in ``**`` (runs to the end of the path)."""

    @property
    def name(self) -> str:
        return ".".join(self.field_path)

    @property
    def multi_segment(self) -> bool:
        """``{var=a/*}`` or ``{var=**}``: decoded as the spec says, leaving ``%2F`` encoded."""
        return self.end is None or self.end - self.start > 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Template:
    source: str
    """The template as written in the proto."""
    segments: tuple[Segment, ...]
    """The path's segments, variables flattened into the segments they match."""
    variables: tuple[Variable, ...]
    """The captures, in order of appearance."""
    verb: str
    """The custom verb after the last ``:`` (``archive`` in ``/v1/{name}:archive``), or empty."""

    @property
    def shape(self) -> str:
        """The template without variable names: two templates with one shape match the same URLs."""
        path = "/" + "/".join(s.text for s in self.segments)
        return f"{path}:{self.verb}" if self.verb else path


def parse_template(source: str) -> Template:
    """Parse ``source``; raise :class:`TemplateError` naming the position and reason."""
    if not source.startswith("/"):
        raise TemplateError(source, "must start with '/'", 0)
    path, verb = _split_verb(source)
    segments: list[Segment] = []
    variables: list[Variable] = []
    pos = 1
    while True:
        if path.startswith("{", pos):
            close = path.find("}", pos)
            if close < 0:
                raise TemplateError(source, "'{' is never closed", pos)
            if "{" in path[pos + 1 : close]:
                raise TemplateError(source, "variables cannot nest", path.index("{", pos + 1))
            variables.append(_variable(source, path[pos + 1 : close], pos + 1, segments))
            pos = close + 1
        else:
            end = _next_slash(path, pos)
            segments.append(_segment(source, path[pos:end], pos))
            pos = end
        if pos == len(path):
            break
        if path[pos] != "/":
            raise TemplateError(source, f"expected '/' but found {path[pos]!r}", pos)
        pos += 1
    if any(s.kind is SegmentKind.MULTI for s in segments[:-1]):
        raise TemplateError(source, "'**' may only be the last segment")
    names = [v.name for v in variables]
    if dups := sorted({n for n in names if names.count(n) > 1}):
        raise TemplateError(source, f"variable {dups[0]!r} appears more than once")
    return Template(source=source, segments=tuple(segments), variables=tuple(variables), verb=verb)


def _split_verb(source: str) -> tuple[str, str]:
    # The verb is a ':' after the last '/' and the last '}': a colon elsewhere belongs to a literal.
    colon = source.rfind(":")
    if colon < max(source.rfind("/"), source.rfind("}")):
        return source, ""
    verb = source[colon + 1 :]
    if not verb or _BAD_LITERAL.search(verb):
        raise TemplateError(source, f"bad custom verb {verb!r}", colon)
    return source[:colon], verb


def _next_slash(path: str, pos: int) -> int:
    end = path.find("/", pos)
    return len(path) if end < 0 else end


def _segment(source: str, text: str, pos: int) -> Segment:
    if text == "*":
        return Segment(kind=SegmentKind.SINGLE, text="*")
    if text == "**":
        return Segment(kind=SegmentKind.MULTI, text="**")
    if not text:
        raise TemplateError(source, "empty segment (doubled or trailing '/')", pos)
    if bad := _BAD_LITERAL.search(text):
        raise TemplateError(source, f"unexpected {bad.group()!r} in literal {text!r}", pos + bad.start())
    return Segment(kind=SegmentKind.LITERAL, text=text)


def _variable(source: str, body: str, pos: int, segments: list[Segment]) -> Variable:
    path_text, eq, sub = body.partition("=")
    field_path = tuple(path_text.split("."))
    if not all(_IDENT.match(p) for p in field_path):
        raise TemplateError(source, f"bad field path {path_text!r} in variable", pos)
    if eq and not sub:
        raise TemplateError(source, f"variable {path_text!r} has an empty template after '='", pos)
    start = len(segments)
    offset = pos + len(path_text) + 1
    for part in (sub or "*").split("/"):
        segments.append(_segment(source, part, offset))
        offset += len(part) + 1
    multi = segments[-1].kind is SegmentKind.MULTI
    return Variable(field_path=field_path, start=start, end=None if multi else len(segments))


def check_fields(template: Template, message: Descriptor) -> None:
    """Each variable must name a singular, non-message field of ``message`` (the spec's rule)."""
    for var in template.variables:
        descriptor: Descriptor | None = message
        field: FieldDescriptor | None = None
        for depth, part in enumerate(var.field_path):
            field = descriptor.fields_by_name.get(part) if descriptor else None
            if field is None:
                owner = descriptor.full_name if descriptor else ".".join(var.field_path[:depth])
                raise TemplateError(template.source, f"{owner} has no field {part!r} (variable {var.name})")
            if field.is_repeated:
                raise TemplateError(template.source, f"variable {var.name} names a repeated or map field")
            last = depth == len(var.field_path) - 1
            if field.message_type is not None and last:
                raise TemplateError(template.source, f"variable {var.name} names a message field")
            descriptor = field.message_type
            if descriptor is None and not last:
                raise TemplateError(template.source, f"{part!r} in variable {var.name} is not a message")
