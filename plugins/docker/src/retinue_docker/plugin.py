"""Hook implementations of retinue-docker: registration only, nothing heavy is imported."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from retinue import hookimpl

if TYPE_CHECKING:
    from retinue.hookspecs import Register


@hookimpl
def retinue_register_code_executors(register: Register) -> None:
    register(
        "docker",
        "retinue_docker._executor:DockerCommandLineCodeExecutor",
        aliases=[
            "autogen_ext.code_executors.docker.DockerCommandLineCodeExecutor",
            "DockerCommandLineCodeExecutor",
        ],
        capabilities={"python", "shell", "timeout", "cancellation", "sandbox", "functions"},
        description="Runs code blocks in a long-lived, locked-down Docker or Podman container",
    )


@hookimpl
def retinue_register_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("docker", help="Docker code executor commands")
    commands = parser.add_subparsers(dest="docker_command", required=True)
    prune = commands.add_parser(
        "prune",
        help="remove executor containers whose owner process is gone",
        description="Remove the containers of DockerCommandLineCodeExecutor whose owner "
        "process no longer exists (it was killed before it could stop them). Containers "
        "of live processes, of other machines and of stop_container=False are kept.",
    )
    prune.add_argument(
        "--docker-host", default=None, help="the engine's address (default: DOCKER_HOST)"
    )
    prune.set_defaults(handler=_prune)


def _prune(args: argparse.Namespace) -> int:
    from retinue_docker._owner import prune_command

    return prune_command(args)
