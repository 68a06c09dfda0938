"""The ``retinue grpc`` command's arguments (cheap: imported when the CLI starts)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_grpc_command"]


def add_grpc_command(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add ``retinue grpc host`` and ``retinue grpc worker SPEC``."""
    parser = subparsers.add_parser("grpc", help="run a distributed runtime host or worker")
    commands = parser.add_subparsers(dest="grpc_command", required=True)

    host = commands.add_parser("host", help="serve a host that workers connect to")
    host.add_argument("--address", default="127.0.0.1:50051", help="host:port to listen on")
    _security(host)
    host.add_argument("--tls-certificate", help="PEM certificate file (turns TLS on)")
    host.add_argument("--tls-private-key", help="PEM private key file")
    host.set_defaults(handler=_host)

    worker = commands.add_parser("worker", help="run a worker that registers agents")
    worker.add_argument(
        "spec",
        help="module:function called with the worker runtime to register agents "
        "(async or not), e.g. myapp.agents:setup",
    )
    worker.add_argument("--host", default="127.0.0.1:50051", help="host:port of the host")
    _security(worker)
    worker.add_argument("--tls-root-certificates", help="PEM file of the CA to trust")
    worker.set_defaults(handler=_worker)


def _security(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--token-env",
        metavar="VAR",
        help="environment variable holding the shared token (never pass it on the command line)",
    )
    parser.add_argument("--max-message-bytes", type=int, default=4 * 1024 * 1024)


def _host(args: argparse.Namespace) -> int:
    from ._cli import run_host

    return run_host(args)


def _worker(args: argparse.Namespace) -> int:
    from ._cli import run_worker

    return run_worker(args)
