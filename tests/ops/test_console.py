"""The start-up console: plain lines off a terminal (scripts match them), a table on one."""

from __future__ import annotations

import io

from cordwire._console import StartupConsole, try_it
from cordwire._target import load_target
from tests.conftest import ROOT

BOOKSTORE = f"{ROOT}/examples/bookstore/chute.py:chute"


def test_try_line_names_the_env_var_or_the_fresh_dev_key() -> None:
    chute = load_target(BOOKSTORE)
    url = "http://127.0.0.1:8080"
    assert try_it(chute, url, key=None) == (
        'curl -H "Authorization: Bearer $CORDWIRE_API_KEY" http://127.0.0.1:8080/v1/whoami'
    )
    assert (
        try_it(chute, url, key="cw_x_y")
        == "curl -H 'Authorization: Bearer cw_x_y' http://127.0.0.1:8080/v1/whoami"
    )
    assert try_it(chute, url, key=None, auth=False) == "curl http://127.0.0.1:8080/v1/whoami"


def test_plain_banner_keeps_the_lines_scripts_read() -> None:
    out = io.StringIO()
    console = StartupConsole(out, force_terminal=False)
    console.dev_key_created("cw_" + "k" * 120, "/a/very/long/path/" + "d" * 80 + "/keys.db")
    console.banner(load_target(BOOKSTORE), "127.0.0.1:50051", "http://127.0.0.1:8080", auth=True)
    text = out.getvalue()
    assert "\x1b[" not in text
    assert "development API key" in text and "\n  cw_" + "k" * 120 + "\n" in text  # never wrapped
    assert "  GET /v1/whoami" in text and "-> Whoami" in text
    assert "gRPC  127.0.0.1:50051" in text and "HTTP  http://127.0.0.1:8080" in text
    assert "try:  curl -H 'Authorization: Bearer cw_kkk" in text


def test_terminal_banner_is_a_table() -> None:
    out = io.StringIO()
    StartupConsole(out, force_terminal=True).banner(
        load_target(BOOKSTORE), "127.0.0.1:50051", "http://127.0.0.1:8080", auth=False
    )
    text = out.getvalue()
    assert "server streaming" in text and "ListBooks" in text and "->" not in text
