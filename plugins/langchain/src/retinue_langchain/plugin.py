"""Hook implementations of retinue-langchain: registration only, nothing heavy is imported."""

from __future__ import annotations

from typing import TYPE_CHECKING

from retinue import hookimpl

if TYPE_CHECKING:
    from retinue.hookspecs import Register


@hookimpl
def retinue_register_tools(register: Register) -> None:
    register(
        "langchain",
        "retinue_langchain._adapter:LangChainToolAdapter",
        aliases=["autogen_ext.tools.langchain.LangChainToolAdapter", "LangChainToolAdapter"],
        description="A LangChain tool as a retinue tool",
    )
