"""LangChain tools the tests load by reference."""

from __future__ import annotations

from langchain_core.tools import tool


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b
