"""The `cordwire` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from ._cords import ChuteDefinitionError
from ._serve import ServeOptions, serve
from ._target import DEFAULT_TARGET, TargetError, load_target

__all__ = ["main"]

_EXAMPLES = """examples:
  cordwire serve                                   # the bundled OpenAI-compatible demo chute
  cordwire serve examples/bookstore/chute.py:chute --http-port 8000
  cordwire serve mypkg.chutes:chute --triton 10.0.0.5:8001,10.0.0.6:8001
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cordwire", description="Serve protobuf-defined chutes.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser(
        "serve",
        help="serve a chute over gRPC and HTTP",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve_cmd.add_argument(
        "target",
        nargs="?",
        default=DEFAULT_TARGET,
        help="module:attr or path/to/file.py:attr naming a Chute (default: the demo)",
    )
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve_cmd.add_argument("--http-port", type=int, default=8080, help="HTTP port (default 8080)")
    serve_cmd.add_argument("--grpc-port", type=int, default=50051, help="gRPC port (default 50051)")
    serve_cmd.add_argument(
        "--triton",
        default="embedded",
        help="'embedded' (default) or HOST:PORT[,HOST:PORT...] of Triton gRPC endpoints",
    )
    serve_cmd.add_argument(
        "--keys-db",
        default=os.environ.get("CORDWIRE_KEYS_DB"),
        help="SQLite file of API keys (env CORDWIRE_KEYS_DB)",
    )
    serve_cmd.add_argument(
        "--no-auth", action="store_true", help="accept calls without an API key (development)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "serve":
        return _serve(args)
    return 2


def _serve(args: argparse.Namespace) -> int:
    try:
        chute = load_target(args.target)
        options = ServeOptions(
            host=args.host, http_port=args.http_port, grpc_port=args.grpc_port, triton=args.triton
        )
        if args.no_auth:
            print(
                "WARNING: --no-auth: every caller is accepted; never use it outside development",
                file=sys.stderr,
            )
        asyncio.run(serve(chute, options))
    except (TargetError, ChuteDefinitionError, OSError) as exc:
        print(f"cordwire: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
