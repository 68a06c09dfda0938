"""Hook implementations of retinue-local: registration only, nothing heavy is imported."""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import hookimpl

if TYPE_CHECKING:
    from retinue.hookspecs import Register


@hookimpl
def retinue_register_code_executors(register: Register) -> None:
    register(
        "local",
        "retinue_local._executor:LocalCommandLineCodeExecutor",
        aliases=[
            "autogen_ext.code_executors.local.LocalCommandLineCodeExecutor",
            "LocalCommandLineCodeExecutor",
        ],
        capabilities={"python", "shell", "timeout", "cancellation", "virtual_env"},
        description="Runs Python and shell code blocks as local subprocesses",
    )
