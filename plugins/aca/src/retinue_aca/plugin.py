"""Hook implementations of retinue-aca: registration only, nothing heavy is imported."""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import hookimpl

if TYPE_CHECKING:
    from retinue.hookspecs import Register


@hookimpl
def retinue_register_code_executors(register: Register) -> None:
    register(
        "aca",
        "retinue_aca._executor:ACADynamicSessionsCodeExecutor",
        aliases=[
            "autogen_ext.code_executors.azure.ACADynamicSessionsCodeExecutor",
            "ACADynamicSessionsCodeExecutor",
        ],
        capabilities={"python", "timeout", "cancellation", "sandbox", "files", "remote"},
        description="Runs Python code blocks in an Azure Container Apps dynamic session",
    )
