"""Builds grpc-gateway v2 for the transcoding conformance proto: ``python -m tests.differential.build``.

The bench's pins are reused (its ``go install`` targets in bench/gobuild.py and its go.mod/go.sum
in bench/go), so the differential run compares against the grpc-gateway the bench measures. The
binary lands in ``.cache/differential/bin`` (gitignored); a stamp of the inputs skips rebuilding.
``make test`` runs this first; it needs Go (1.22+) and the Go module proxy.
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import re
import shutil
import subprocess
import sys

from bench.gobuild import GO_TOOLS
from bench.paths import BENCH, GOOGLE_PROTOS, REPO
from bench.paths import BIN as BENCH_BIN

HERE = pathlib.Path(__file__).resolve().parent
CACHE = REPO / ".cache" / "differential"
BINARY = CACHE / "bin" / "grpcgw-transcoding"
TEST_PROTOS = REPO / "tests" / "protos"
PROTO = "transcoding/v1/transcoding.proto"
OPTIONS = "cordwire/v1/options.proto"
_PLUGINS = ("protoc-gen-go", "protoc-gen-go-grpc", "protoc-gen-grpc-gateway")


def _stamp() -> str:
    digest = hashlib.sha256(repr(sorted(GO_TOOLS.items())).encode())
    inputs = [TEST_PROTOS / PROTO, GOOGLE_PROTOS / OPTIONS]
    inputs += sorted((BENCH / "go").glob("go.*")) + sorted((HERE / "go").rglob("*"))
    for path in inputs:
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _run(argv: list[str], cwd: pathlib.Path, env: dict[str, str]) -> None:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])}… failed:\n{result.stderr[-3000:]}")


_TWIN_RULE = re.compile(
    r"(rpc StreamComplete\([^)]*\) returns \([^)]*\) \{)\s*option \(google\.api\.http\) = \{[^}]*\};"
)


def _without_twin_rule(text: str) -> str:
    out, count = _TWIN_RULE.subn(r"\1", text)
    if count != 1:
        raise SystemExit("tests/differential/build.py: StreamComplete's http rule not found")
    return out


def build() -> pathlib.Path:
    """The binary, built when missing or stale."""
    stamp_file = CACHE / "bin" / ".stamp"
    stamp = _stamp()
    if BINARY.exists() and stamp_file.exists() and stamp_file.read_text() == stamp:
        return BINARY
    if shutil.which("go") is None:
        raise SystemExit("the differential run needs Go (1.22+) on PATH to build grpc-gateway")
    BENCH_BIN.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(BENCH_BIN), "GOFLAGS": "-mod=mod"}
    for name in _PLUGINS:
        if not (BENCH_BIN / name).exists():
            print(f"  go install {GO_TOOLS[name]}", flush=True)
            _run(["go", "install", GO_TOOLS[name]], REPO, env)
    module = CACHE / "go"
    shutil.rmtree(module, ignore_errors=True)
    module.mkdir(parents=True)
    for name in ("go.mod", "go.sum"):
        shutil.copy(BENCH / "go" / name, module / name)
    shutil.copytree(HERE / "go", module / "grpcgw")
    (module / "gen").mkdir()
    # grpc-gateway refuses two methods on one route ("duplicate annotation"); cordwire's
    # stream_selector twin (StreamComplete next to Complete on POST /v1/completions) is its own
    # extension, so the Go side gets the proto without the streaming twin's rule.
    staged = CACHE / "protos" / PROTO
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_text(_without_twin_rule((TEST_PROTOS / PROTO).read_text()))
    mapping = [
        f"M{PROTO}=cordbench/gen/transcoding/v1",
        f"M{OPTIONS}=cordbench/gen/cordwire/v1",
    ]
    plugins = [f"--plugin={p}={BENCH_BIN / p}" for p in _PLUGINS]
    protoc = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{CACHE / 'protos'}",
        f"-I{GOOGLE_PROTOS}",
        *plugins,
    ]
    print("  protoc-gen-grpc-gateway on the transcoding proto; go build", flush=True)
    opts = [f"--go_opt={m}" for m in mapping] + ["--go_out=gen", "--go_opt=paths=source_relative"]
    _run([*protoc, *opts, PROTO, OPTIONS], module, env)
    for kind in ("go-grpc", "grpc-gateway"):
        opts = [f"--{kind}_opt={m}" for m in mapping] + [
            f"--{kind}_out=gen",
            f"--{kind}_opt=paths=source_relative",
        ]
        _run([*protoc, *opts, PROTO], module, env)
    _run(["go", "build", "-o", str(BINARY), "./grpcgw"], module, env)
    stamp_file.write_text(stamp)
    return BINARY


if __name__ == "__main__":
    print(build())
