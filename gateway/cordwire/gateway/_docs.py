"""The /docs page: the OpenAPI document rendered by a few lines of inline script.

No CDN, no fetch: the document is embedded in the page, so it renders offline and is complete by
the time the load event fires (headless browsers and tests read it then).
"""

from __future__ import annotations

import html
from typing import Any

import orjson

__all__ = ["docs_page"]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f5f7fa; }}
header {{ background: #1d2430; color: #fff; padding: 18px 32px; }}
header h1 {{ margin: 0; font-size: 22px; }} header a {{ color: #9cc4ff; }}
main {{ max-width: 1100px; margin: 0 auto; padding: 20px 32px; }}
h2 {{ font-size: 16px; margin: 26px 0 10px; color: #4a5568; }}
ul {{ list-style: none; padding: 0; margin: 0; }}
.route {{ background: #fff; border: 1px solid #dde3ea; border-radius: 6px; margin: 8px 0;
  padding: 10px 14px; }}
.line {{ display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }}
.verb {{ font: bold 12px monospace; color: #fff; border-radius: 4px; padding: 3px 8px; min-width: 52px;
  text-align: center; }}
.get {{ background: #2b7de9; }} .post {{ background: #2f9e44; }} .delete {{ background: #d9480f; }}
.patch {{ background: #ae3ec9; }} .put {{ background: #e8a317; }} .head {{ background: #868e96; }}
.path {{ font: 14px monospace; font-weight: 600; }} .summary {{ color: #667085; font-size: 13px; }}
.detail {{ margin: 6px 0 0 66px; font-size: 13px; color: #4a5568; }}
code {{ background: #eef2f6; border-radius: 3px; padding: 0 4px; }}
</style></head>
<body><header><h1>{title}</h1>
<div>OpenAPI {version} &middot; <a href="openapi.json">openapi.json</a></div></header>
<main id="routes"><noscript>Enable JavaScript to list the routes, or read openapi.json.</noscript></main>
<script type="application/json" id="spec">{spec}</script>
<script>
"use strict";
const spec = JSON.parse(document.getElementById("spec").textContent);
const el = (tag, cls, text) => {{
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}};
const typeOf = (s) => !s ? "" : s.$ref ? s.$ref.split("/").pop().split(".").pop()
  : s.type === "array" ? typeOf(s.items) + "[]" : [].concat(s.type || "any").join("|");
const groups = new Map();
for (const [path, ops] of Object.entries(spec.paths)) {{
  for (const [verb, op] of Object.entries(ops)) {{
    const tag = (op.tags || ["routes"])[0];
    if (!groups.has(tag)) groups.set(tag, []);
    groups.get(tag).push([verb, path, op]);
  }}
}}
const root = document.getElementById("routes");
for (const [tag, routes] of groups) {{
  root.append(el("h2", "", tag));
  const list = el("ul");
  for (const [verb, path, op] of routes) {{
    const item = el("li", "route");
    item.dataset.method = verb;
    item.dataset.path = path;
    const line = el("div", "line");
    line.append(el("span", "verb " + verb, verb.toUpperCase()), el("span", "path", path),
                el("span", "summary", op.summary || ""));
    item.append(line);
    const params = (op.parameters || []).map((p) => p.name + " (" + p.in + ", " + typeOf(p.schema) + ")");
    if (params.length) item.append(el("div", "detail", "Parameters: " + params.join(", ")));
    const body = op.requestBody && Object.keys(op.requestBody.content);
    if (body) item.append(el("div", "detail", "Body: " + body.join(", ")));
    const ok = op.responses["200"] && op.responses["200"].content;
    if (ok) item.append(el("div", "detail", "Answers: " + Object.keys(ok).join(", ")));
    if (op.description) item.append(el("div", "detail", op.description));
    list.append(item);
  }}
  root.append(list);
}}
document.body.dataset.rendered = String(root.querySelectorAll(".route").length);
</script></body></html>
"""


def docs_page(document: dict[str, Any]) -> bytes:
    """The HTML page for ``document``."""
    # "</script>" or "<!--" inside a string would end or confuse the script element; "<" only ever
    # occurs inside JSON strings, where \u003c means the same.
    spec = orjson.dumps(document).decode().replace("<", "\\u003c")
    info = document.get("info", {})
    page = _PAGE.format(title=html.escape(info.get("title", "API")), version=document["openapi"], spec=spec)
    return page.encode()
