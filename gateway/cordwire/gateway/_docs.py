"""The interactive /docs page: Swagger UI from the packaged copy in ``swagger-ui-py`` (PyPI).

Nothing comes from a CDN or is fetched at run time beyond this gateway: the page loads the UI's
script and stylesheet from /docs/assets/ and the document from openapi.json (relative, so the page
works under any prefix a proxy adds). The key set in "Authorize" is kept across reloads.
"""

from __future__ import annotations

import functools
import html
import importlib.util
import pathlib

__all__ = ["ASSETS", "docs_asset", "docs_page"]

# Served under /docs/assets/NAME; the UI's other files (editor, source maps) are not needed.
ASSETS: dict[str, bytes] = {
    "swagger-ui-bundle.js": b"text/javascript; charset=utf-8",
    "swagger-ui.css": b"text/css; charset=utf-8",
    "favicon-32x32.png": b"image/png",
}

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
<style>body {{ margin: 0; }}</style>
</head><body>
<div id="swagger-ui"><noscript>Enable JavaScript for the interactive page, or read
<a href="openapi.json">openapi.json</a>.</noscript></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script>
"use strict";
window.ui = SwaggerUIBundle({{
  url: "openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  displayRequestDuration: true,
  tryItOutEnabled: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
}});
</script></body></html>
"""


def docs_page(title: str) -> bytes:
    # Served at /docs: relative URLs resolve against the folder the page sits in.
    return _PAGE.format(title=html.escape(title)).encode()


def docs_asset(name: str) -> bytes:
    """One of :data:`ASSETS`' files, read once from the installed Swagger UI copy."""
    return _read(name)


@functools.cache
def _read(name: str) -> bytes:
    return (_static_folder() / name).read_bytes()


@functools.cache
def _static_folder() -> pathlib.Path:
    # Located without importing swagger_ui: its Python side (framework handlers, jinja2) is unused.
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed: /docs needs its static files")
    return pathlib.Path(next(iter(spec.submodule_search_locations))) / "static"
