"""Go tools the bench needs, built from the Go module proxy into ``.cache/bench`` (outside git).

ghz and the protoc plugins are ``go install``ed at pinned versions; grpc-gateway's transcoder is
generated from ``bench/proto`` and built together with ``sseload`` in a throwaway module whose
go.mod/go.sum (the pins) are ``bench/go``'s. A stamp of the pins and sources skips rebuilding.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys

from .paths import BENCH, BIN, CACHE, GOOGLE_PROTOS, PROTO, PROTO_ROOT

__all__ = ["GO_TOOLS", "Tools", "ensure_tools"]

GO_TOOLS = {
    "ghz": "github.com/bojand/ghz/cmd/ghz@v0.120.0",
    "protoc-gen-go": "google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12",
    "protoc-gen-go-grpc": "google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2",
    "protoc-gen-grpc-gateway": "github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@v2.32.0",
}
"""Pinned ``go install`` targets (grpc-gateway's runtime version is pinned in bench/go/go.mod)."""
_GO_PACKAGE = "cordbench/gen/cordbench/v1"


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Tools:
    ghz: pathlib.Path
    """gRPC load generator."""
    grpcgw: pathlib.Path
    """grpc-gateway v2 built for the bench proto."""
    sseload: pathlib.Path
    """Concurrent SSE stream reader."""


def _stamp() -> str:
    digest = hashlib.sha256(json.dumps(GO_TOOLS, sort_keys=True).encode())
    for path in sorted([PROTO, *(BENCH / "go").rglob("*")]):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _run(argv: list[str], cwd: pathlib.Path, env: dict[str, str]) -> None:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])}… failed:\n{result.stderr[-3000:]}")


def ensure_tools() -> Tools:
    """Build whatever is missing or stale; a few minutes the first time, nothing after."""
    tools = Tools(ghz=BIN / "ghz", grpcgw=BIN / "grpcgw", sseload=BIN / "sseload")
    stamp_file = BIN / ".stamp"
    stamp = _stamp()
    if (
        stamp_file.exists()
        and stamp_file.read_text() == stamp
        and all(p.exists() for p in dataclasses.astuple(tools))
    ):
        return tools
    if shutil.which("go") is None:
        raise RuntimeError("the bench needs Go (1.22+) on PATH to build ghz and grpc-gateway")
    BIN.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOBIN": str(BIN), "GOFLAGS": "-mod=mod"}
    for target in GO_TOOLS.values():
        print(f"  go install {target}", flush=True)
        _run(["go", "install", target], CACHE, env)
    module = CACHE / "go"
    shutil.rmtree(module, ignore_errors=True)
    shutil.copytree(BENCH / "go", module)
    (module / "gen").mkdir()
    mapping = f"Mcordbench/v1/bench.proto={_GO_PACKAGE}"
    print("  protoc-gen-grpc-gateway on bench/proto; go build grpcgw sseload", flush=True)
    _run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{PROTO_ROOT}",
            f"-I{GOOGLE_PROTOS}",
            *(
                f"--plugin={p}={BIN / p}"
                for p in ("protoc-gen-go", "protoc-gen-go-grpc", "protoc-gen-grpc-gateway")
            ),
            *(
                arg
                for kind in ("go", "go-grpc", "grpc-gateway")
                for arg in (
                    f"--{kind}_out=gen",
                    f"--{kind}_opt=paths=source_relative",
                    f"--{kind}_opt={mapping}",
                )
            ),
            str(PROTO),
        ],
        module,
        env,
    )
    _run(["go", "build", "-o", str(BIN) + "/", "./grpcgw", "./sseload"], module, env)
    stamp_file.write_text(stamp)
    return tools
