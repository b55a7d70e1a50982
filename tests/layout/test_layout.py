"""The package tree is what it looks like: folders, distributions and import paths agree."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _packages_under(base: Path, top: Path) -> set[str]:
    return {
        ".".join(init.parent.relative_to(base).parts)
        for init in top.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }


def test_no_symlinks_stand_in_for_folders() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    links = [line.split("\t")[1] for line in tracked.splitlines() if line.startswith("120000")]
    assert links == []


def test_no_symlinks_in_the_working_tree() -> None:
    # What the layout issue checks: `find . -type l -not -path './.venv/*'` prints nothing, so
    # installed tools must not link either (npm's .bin links are off: clients/ts/.npmrc).
    links = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in (".venv", ".git")]
        links += [f"{folder}/{name}" for name in dirs + files if os.path.islink(os.path.join(folder, name))]
    assert links == []


def test_pyproject_lists_every_package_of_the_tree() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    in_tree = _packages_under(ROOT / "server", ROOT / "server" / "cordwire") | _packages_under(
        ROOT / "gateway", ROOT / "gateway" / "cordwire"
    )
    # protos/ travels as cordwire.protos: each of its folders is a (data-only) package of the wheel.
    protos = {
        ".".join(("cordwire", *d.relative_to(ROOT).parts))
        for d in [ROOT / "protos", *(ROOT / "protos").rglob("*")]
        if d.is_dir()
    }
    assert set(config["packages"]) == in_tree | protos
    assert config["package-dir"]["cordwire.gateway"] == "gateway/cordwire/gateway"
    assert config["package-dir"]["cordwire.protos"] == "protos"


def test_client_import_loads_no_server_stack() -> None:
    probe = (
        "import sys, cordwire_client; "
        "heavy = {'grpc', 'pydantic', 'torch', 'tritonclient', 'pytriton', 'uvicorn', 'cordwire', 'orjson'}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_grpc_helpers_load_grpc_on_first_use() -> None:
    probe = (
        "import sys, cordwire_client; assert 'grpc' not in sys.modules; "
        "cordwire_client.grpc_channel; print('grpc' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def test_server_distribution_reexports_the_client() -> None:
    import cordwire.client
    import cordwire_client

    assert cordwire.client.Client is cordwire_client.Client
    from cordwire import Code, CordError

    assert Code is cordwire_client.Code and CordError is cordwire_client.CordError
