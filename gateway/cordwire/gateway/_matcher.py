"""Dispatch: a trie over path segments finds the route for (HTTP method, raw path).

Resolution rules (the conformance tables in tests/gateway show each one):

- The path is matched raw (percent-encoded, as sent): it is split on ``/`` first, so ``%2F``
  never separates segments, and literals compare with the raw segment (as grpc-gateway does).
- A literal beats ``*``, which beats ``**``, at each segment; the first full match wins.
- Custom verbs, as grpc-gateway: the text after the last ``:`` of the last segment is tried as the
  verb first; templates without a verb then see that segment whole (``a:b`` as a literal).
- ``*`` and ``{var}`` never match an empty segment, so a trailing slash or ``//`` finds nothing
  (404, no redirect) unless ``empty_segments`` is set (``--match-empty-segments``); ``**``
  matches zero or more segments, empty ones included.
- Captured values are decoded as http.proto says: a single-segment variable fully, a
  multi-segment one except ``%2F``/``%2f``, which stay encoded. Malformed escapes are a 400.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import unquote

from cordwire._codes import Code
from cordwire._errors import CordError

from ._routes import Route
from ._templates import RouteError, SegmentKind

__all__ = ["Matcher", "MethodNotAllowed"]

_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SLASH = re.compile(r"(%2[Ff])")


class MethodNotAllowed(CordError):
    """The path exists under other HTTP methods: 405 with ``Allow``, code UNIMPLEMENTED (grpc-gateway)."""

    def __init__(self, method: str, path: str, allowed: Iterable[str]) -> None:
        self.allowed = tuple(sorted(set(allowed)))
        super().__init__(
            Code.UNIMPLEMENTED,
            f"method {method} is not allowed on {path}; allowed: {', '.join(self.allowed)}",
            headers={"Allow": ", ".join(self.allowed)},
        )

    @property
    def http_status(self) -> int:
        return 405


class _Node:
    """A trie node; mutable while the matcher is built, never after."""

    __slots__ = ("literals", "rest", "routes", "star")

    def __init__(self) -> None:
        self.literals: dict[str, _Node] = {}
        self.star: _Node | None = None
        self.routes: dict[str, dict[str, Route]] = {}
        """Routes whose template ends here, by custom verb, then by HTTP method."""
        self.rest: dict[str, dict[str, Route]] = {}
        """Routes whose template ends here in ``**`` (any remaining segments)."""


class Matcher:
    """Compiled once from routes; :meth:`match` is all a request costs."""

    __slots__ = ("_root",)

    def __init__(self, routes: Iterable[Route]) -> None:
        self._root = _Node()
        for route in routes:
            self._add(route)

    def _add(self, route: Route) -> None:
        node = self._root
        leaves = node.routes
        for seg in route.template.segments:
            if seg.kind is SegmentKind.MULTI:
                leaves = node.rest
                break
            if seg.kind is SegmentKind.LITERAL:
                node = node.literals.setdefault(seg.text, _Node())
            else:
                node.star = node.star or _Node()
                node = node.star
            leaves = node.routes
        by_method = leaves.setdefault(route.template.verb, {})
        # compile_routes already refuses conflicts; a matcher built from several tables must too.
        if route.http_method in by_method:
            raise RouteError(f"{route!r} conflicts with {by_method[route.http_method]!r}")
        by_method[route.http_method] = route

    def match(self, method: str, path: str, *, empty_segments: bool = False) -> tuple[Route, dict[str, str]]:
        """The route for ``method`` on the raw ``path`` (no query string), and its decoded bindings.

        Raises CordError NOT_FOUND for an unknown path, :class:`MethodNotAllowed` when the path
        exists under other methods, CordError INVALID_ARGUMENT for a malformed escape.
        """
        if not path.startswith("/"):
            raise CordError(Code.NOT_FOUND, f"no route for {path!r}")
        segments = path[1:].split("/")
        allowed: set[str] = set()
        for segs, verb in _verb_splits(segments):
            for by_verb in _walk(self._root, segs, 0, empty_segments):
                routes = by_verb.get(verb)
                if not routes:
                    continue
                route = routes.get(method) or routes.get("*")
                if route is not None:
                    return route, _bindings(route, segs)
                allowed.update(routes)
        if allowed:
            raise MethodNotAllowed(method, path, allowed)
        raise CordError(Code.NOT_FOUND, f"no route for {path}")


def _verb_splits(segments: list[str]) -> Iterator[tuple[list[str], str]]:
    last = segments[-1]
    colon = last.rfind(":")
    if colon >= 0 and colon < len(last) - 1:
        yield [*segments[:-1], last[:colon]], last[colon + 1 :]
    yield segments, ""


def _walk(node: _Node, segs: list[str], i: int, empty: bool) -> Iterator[dict[str, dict[str, Route]]]:
    """Leaf tables of every template matching ``segs[i:]`` from ``node``, most specific first."""
    if i == len(segs):
        if node.routes:
            yield node.routes
    else:
        child = node.literals.get(segs[i])
        if child is not None:
            yield from _walk(child, segs, i + 1, empty)
        if node.star is not None and (segs[i] or empty):
            yield from _walk(node.star, segs, i + 1, empty)
    if node.rest:
        yield node.rest


def _bindings(route: Route, segs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for var in route.template.variables:
        raw = "/".join(segs[var.start : var.end])
        if _ESCAPE.search(raw):
            raise CordError(Code.INVALID_ARGUMENT, f"malformed percent-escape in {raw!r}", param=var.name)
        try:
            if var.multi_segment:
                parts = _SLASH.split(raw)  # odd items are the %2F escapes, kept as sent
                out[var.name] = "".join(p if i % 2 else _decode(p) for i, p in enumerate(parts))
            else:
                out[var.name] = _decode(raw)
        except UnicodeDecodeError:
            raise CordError(
                Code.INVALID_ARGUMENT, f"path segment {raw!r} is not UTF-8 once decoded", param=var.name
            ) from None
    return out


def _decode(text: str) -> str:
    return unquote(text, errors="strict") if "%" in text else text
