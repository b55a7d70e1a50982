"""The `cordwire` command line."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import pathlib
import sys
import traceback
from collections.abc import Coroutine, Sequence
from typing import Any

import grpc

from cordwire._admission_setup import AdmissionOptions
from cordwire._chute import Chute
from cordwire._console import print_routes
from cordwire._edge_limits import add_limit_flags, limits_from_args
from cordwire._errors import DefinitionError
from cordwire._logging import configure_logging
from cordwire._pycords import export_proto
from cordwire._serve import ServeOptions, TritonFailure, serve, serve_gateway
from cordwire._target import DEFAULT_TARGET, load_target
from cordwire._workers import reserve_port, run_workers

from ._jobs import add_jobs_options, jobs_options
from ._keys import add_keys_commands
from ._usage import add_usage_command

__all__ = ["main"]

_EXAMPLES = """examples:
  cordwire serve                                   # the bundled OpenAI-compatible demo chute
  cordwire serve examples/bookstore/chute.py:chute --http-port 8000
  cordwire serve mypkg.chutes:chute --triton 10.0.0.5:8001,10.0.0.6:8001
  cordwire serve --log-format json --otlp-endpoint http://otel-collector:4318

  GET /healthz is 200 once every model is ready; GET /metrics is Prometheus (unauthenticated:
  keep it off the public network); access lines go to logger cordwire.access on stderr.
"""
_ROUTES_EXAMPLES = """examples:
  cordwire routes                                  # the demo chute's routes
  cordwire routes examples/bookstore/chute.py:chute
"""
_GATEWAY_EXAMPLES = """examples:
  cordwire gateway --upstream cordwire-grpc:50051 --host 0.0.0.0 --http-port 8080
"""


def _add_ops_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--log-format",
        choices=("text", "json"),
        default=os.environ.get("CORDWIRE_LOG_FORMAT", "text"),
        help="stderr log lines: readable text (default) or one JSON object per line "
        "(env CORDWIRE_LOG_FORMAT)",
    )
    command.add_argument(
        "--otlp-endpoint",
        metavar="URL",
        default=os.environ.get("CORDWIRE_OTLP_ENDPOINT"),
        help="send OpenTelemetry spans over OTLP/HTTP, e.g. http://collector:4318 (default: tracing off; "
        "env CORDWIRE_OTLP_ENDPOINT)",
    )


def _add_transcoding_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--ignore-unknown-query-parameters",
        action="store_true",
        help="drop query parameters that name no request field (default: 400 naming them, as Envoy)",
    )
    command.add_argument(
        "--match-empty-segments",
        action="store_true",
        help="let an empty path segment ('//', a trailing '/') fill '*' and '{var}' (default: 404)",
    )


def _add_workers_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="serving processes sharing the ports (SO_REUSEPORT; default 1); with models, "
        "`cordwire serve` needs --triton HOST:PORT for more than one",
    )


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
        help="'embedded' (default: Triton inside this process) or HOST:PORT[,HOST:PORT...] of Triton "
        "gRPC endpoints",
    )
    serve_cmd.add_argument(
        "--keys-db",
        default=os.environ.get("CORDWIRE_KEYS_DB"),
        help="SQLite file of API keys (env CORDWIRE_KEYS_DB)",
    )
    serve_cmd.add_argument(
        "--no-auth", action="store_true", help="accept calls without an API key (development)"
    )
    serve_cmd.add_argument(
        "--redis",
        metavar="URL",
        help="share rate limits, quotas, usage and jobs through Redis (redis://host:port/db)",
    )
    serve_cmd.add_argument(
        "--rate-limit", type=float, metavar="RPS", help="requests/s per key (default: none)"
    )
    serve_cmd.add_argument("--burst", type=int, help="rate-limit bucket size (default: the rate)")
    serve_cmd.add_argument("--max-in-flight", type=int, metavar="N", help="concurrent calls before 429")
    serve_cmd.add_argument(
        "--metrics-auth",
        action="store_true",
        help="/metrics needs an API key allowed on the chute, like a cord (default: public)",
    )
    serve_cmd.add_argument(
        "--usage-metrics",
        action="store_true",
        help="export per-key Prometheus counters on /metrics (one series per key id; default: off)",
    )
    _add_transcoding_options(serve_cmd)
    add_jobs_options(serve_cmd)
    _add_workers_option(serve_cmd)
    _add_ops_options(serve_cmd)
    add_limit_flags(serve_cmd, grpc=True)
    serve_cmd.set_defaults(func=_serve)
    routes_cmd = commands.add_parser(
        "routes",
        help="print a chute's HTTP routes without serving it",
        epilog=_ROUTES_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    routes_cmd.add_argument("target", nargs="?", default=DEFAULT_TARGET, help="module:attr or file.py:attr")
    routes_cmd.set_defaults(func=_routes)
    gateway_cmd = commands.add_parser(
        "gateway",
        help="serve HTTP/JSON for a remote gRPC server (split deployment)",
        description="Transcode HTTP/JSON onto an upstream gRPC server; routes come from its reflection.",
        epilog=_GATEWAY_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    gateway_cmd.add_argument("--upstream", required=True, metavar="HOST:PORT", help="the gRPC server")
    gateway_cmd.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    gateway_cmd.add_argument("--http-port", type=int, default=8080, help="HTTP port (default 8080)")
    _add_transcoding_options(gateway_cmd)
    _add_workers_option(gateway_cmd)
    _add_ops_options(gateway_cmd)
    add_limit_flags(gateway_cmd, grpc=False)
    gateway_cmd.set_defaults(func=_gateway)
    protos_cmd = commands.add_parser("protos", help="the protos of Python-first chutes")
    protos_sub = protos_cmd.add_subparsers(dest="protos_command", required=True)
    export_cmd = protos_sub.add_parser(
        "export", help="write the .proto cordwire synthesizes for a chute's Python cords"
    )
    export_cmd.add_argument("target", help="module:attr or path/to/file.py:attr naming a Chute")
    export_cmd.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export_cmd.set_defaults(func=_protos_export)
    add_usage_command(add_keys_commands(commands))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(getattr(args, "log_format", "text"), logging.INFO)
    return int(args.func(args))


def _routes(args: argparse.Namespace) -> int:
    try:
        chute = load_target(args.target)
        print_routes(chute)
    except DefinitionError as exc:
        return _report(exc)
    return 0


def _report(error: DefinitionError) -> int:
    """One line for a start-up error; the traceback too when user code raised its cause."""
    if error.__cause__ is not None and not isinstance(error.__cause__, DefinitionError):
        traceback.print_exception(error.__cause__, file=sys.stderr)
    print(f"cordwire: error: {error}", file=sys.stderr)
    return 1


def _protos_export(args: argparse.Namespace) -> int:
    try:
        text = export_proto(load_target(args.target))
    except DefinitionError as exc:
        return _report(exc)
    if args.output:
        pathlib.Path(args.output).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def _run(main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` on uvloop when it is installed (uvicorn[standard] brings it).

    uvicorn picks uvloop itself only when it owns the loop; here we own it, so we choose. The
    bench profile had a quarter of the serving process's time in the asyncio loop and socket writes.
    """
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def _gateway(args: argparse.Namespace) -> int:
    try:
        options = ServeOptions(
            host=args.host,
            http_port=args.http_port,
            otlp_endpoint=args.otlp_endpoint,
            limits=limits_from_args(args),
            ignore_unknown_query_parameters=args.ignore_unknown_query_parameters,
            match_empty_segments=args.match_empty_segments,
        )
        if args.workers < 1:
            raise DefinitionError(f"--workers must be at least 1, not {args.workers}")
    except DefinitionError as exc:
        return _report(exc)
    try:
        if args.workers > 1:
            with reserve_port(options.host, options.http_port) as http_sock:
                shared = dataclasses.replace(options, http_port=http_sock.getsockname()[1], reuse_port=True)
                return run_workers(args.workers, lambda: _gateway_once(args.upstream, shared))
        return _gateway_once(args.upstream, options)
    except OSError as exc:
        print(f"cordwire: error: {exc}", file=sys.stderr)
        return 1


def _gateway_once(upstream: str, options: ServeOptions) -> int:
    try:
        _run(serve_gateway(upstream, options))
    except (OSError, grpc.FutureTimeoutError) as exc:
        print(f"cordwire: error: cannot use upstream {upstream}: {exc or 'not reachable'}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def _serve(args: argparse.Namespace) -> int:
    try:
        chute = load_target(args.target)
        admission = AdmissionOptions(
            keys_db=args.keys_db,
            no_auth=args.no_auth,
            redis_url=args.redis,
            rate=args.rate_limit,
            burst=args.burst,
            max_in_flight=args.max_in_flight,
        )
        options = ServeOptions(
            host=args.host,
            http_port=args.http_port,
            grpc_port=args.grpc_port,
            triton=args.triton,
            admission=admission,
            otlp_endpoint=args.otlp_endpoint,
            metrics_auth=args.metrics_auth,
            usage_metrics=args.usage_metrics,
            ignore_unknown_query_parameters=args.ignore_unknown_query_parameters,
            match_empty_segments=args.match_empty_segments,
            jobs=jobs_options(args),
            limits=limits_from_args(args),
        )
        if args.workers < 1:
            raise DefinitionError(f"--workers must be at least 1, not {args.workers}")
        if args.workers > 1:
            return _serve_workers(chute, options, args.workers)
        _run(serve(chute, options))
    except DefinitionError as exc:
        return _report(exc)
    except (OSError, TritonFailure) as exc:  # an address in use, a keys database, Triton's failure
        print(f"cordwire: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def _serve_workers(chute: Chute, options: ServeOptions, workers: int) -> int:
    """``workers`` processes serving ``chute`` on the same two ports."""
    if options.triton == "embedded" and chute.model_repository is not None:
        raise DefinitionError(
            f"--workers {workers} needs external Triton (--triton HOST:PORT): embedded Triton runs "
            "inside one cordwire process, and each worker would load every model again"
        )
    with (
        reserve_port(options.host, options.http_port) as http_sock,
        reserve_port(options.host, options.grpc_port) as grpc_sock,
    ):
        shared = dataclasses.replace(
            options,
            http_port=http_sock.getsockname()[1],
            grpc_port=grpc_sock.getsockname()[1],
            reuse_port=True,
        )
        sys.stdout.flush()
        return run_workers(workers, lambda: _serve_once(chute, shared))


def _serve_once(chute: Chute, options: ServeOptions) -> int:
    try:
        _run(serve(chute, options))
    except DefinitionError as exc:
        return _report(exc)
    except (OSError, TritonFailure) as exc:
        print(f"cordwire: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
