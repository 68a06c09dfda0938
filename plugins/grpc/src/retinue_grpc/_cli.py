"""``retinue grpc host`` and ``retinue grpc worker``: run until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import os
import signal
import sys

from retinue import ConfigurationError

from ._host import GrpcWorkerAgentRuntimeHost
from ._worker import GrpcWorkerAgentRuntime

__all__ = ["run_host", "run_worker"]


def _token(args: argparse.Namespace) -> str | None:
    if not args.token_env:
        return None
    value = os.environ.get(args.token_env)
    if not value:
        raise ConfigurationError(
            f"--token-env names {args.token_env[:100]!r}, but that environment variable is "
            "empty or unset; export the token in it"
        )
    return value


async def _until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def run_host(args: argparse.Namespace) -> int:
    """Serve a host; prints ``listening on HOST:PORT`` once it accepts workers."""

    async def main() -> None:
        host = GrpcWorkerAgentRuntimeHost(
            args.address,
            token=_token(args),
            tls_certificate=args.tls_certificate,
            tls_private_key=args.tls_private_key,
            max_message_bytes=args.max_message_bytes,
        )
        host.start()
        print(f"listening on {host.address}", flush=True)
        await _until_signal()
        await host.stop(grace=1)

    asyncio.run(main())
    return 0


def run_worker(args: argparse.Namespace) -> int:
    """Connect a worker, call the setup function on it, and serve until stopped."""
    module_name, _, attr = args.spec.partition(":")
    if not module_name or not attr:
        raise ConfigurationError(
            f"worker spec {args.spec[:200]!r} is not module:function; e.g. myapp.agents:setup"
        )
    sys.path.insert(0, os.getcwd())
    try:
        setup = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(f"cannot load {args.spec[:200]!r}: {exc}") from None

    async def main() -> None:
        runtime = GrpcWorkerAgentRuntime(
            args.host,
            token=_token(args),
            tls_root_certificates=args.tls_root_certificates,
            max_message_bytes=args.max_message_bytes,
        )
        await runtime.connect()
        result = setup(runtime)
        if inspect.isawaitable(result):
            await result
        print(f"worker {runtime.client_id} connected to {args.host}", flush=True)
        await _until_signal()
        await runtime.close()

    asyncio.run(main())
    return 0
