"""Hook implementations of retinue-grpc: registration only, nothing heavy is imported."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from retinue import hookimpl

if TYPE_CHECKING:
    import argparse

    from retinue.hookspecs import Register


@hookimpl
def retinue_register_runtimes(register: Register) -> None:
    register(
        "grpc",
        "retinue_grpc._worker:GrpcWorkerAgentRuntime",
        aliases=["autogen_ext.runtimes.grpc.GrpcWorkerAgentRuntime"],
        capabilities={"distributed", "autogen_wire", "tls", "token_auth"},
        description="Worker of a distributed runtime: agents in many processes, one gRPC host",
    )


@hookimpl
def retinue_register_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    from retinue_grpc._cli_args import add_grpc_command

    add_grpc_command(subparsers)
