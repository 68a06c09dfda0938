"""Hook implementations of retinue-docker: registration only, nothing heavy is imported."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
