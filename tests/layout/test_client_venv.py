"""`pip install ./clients/python` in a fresh venv brings httpx and its dependencies, nothing else."""

from __future__ import annotations

import json
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# httpx 0.28's own dependency tree (anyio, certifi, httpcore, h11, idna, sniffio) and the client.
HTTPX_TREE = {"anyio", "certifi", "h11", "httpcore", "httpx", "idna", "sniffio", "typing-extensions"}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_fresh_venv_installs_httpx_only(tmp_path: Path) -> None:
    venv.EnvBuilder(with_pip=True).create(tmp_path / "venv")
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", ROOT / "clients" / "python"],
        check=True,
        timeout=280,
    )
    listed = subprocess.run(
        [python, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = {entry["name"].lower().replace("_", "-") for entry in json.loads(listed)} - {"pip", "setuptools"}
    assert names - HTTPX_TREE == {"cordwire-client"}
    probe = "import sys, cordwire_client; print(sorted({m.split('.')[0] for m in sys.modules} & {'grpc'}))"
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
