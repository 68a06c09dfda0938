"""Small real tools for examples and specs: they load by provider name, with no code in the spec."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from retinue import CancellationToken, ToolError
from retinue.tools import BaseTool

__all__ = ["CalculatorTool"]

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
_MAX_EXPONENT = 10_000  # keeps 9**9**9 from eating the machine


class CalculatorArgs(BaseModel):
    model_config = ConfigDict(defer_build=True)

    expression: str = Field(description="An arithmetic expression, e.g. '(3 + 4) * 2**10'")


class _NoConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)

    pass


def evaluate(expression: str) -> int | float:
    """Evaluate arithmetic (numbers, + - * / // % **, parentheses) without ``eval``."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise ToolError(
            f"cannot parse {expression!r}: {exc.msg}; write e.g. '2 * (3 + 4)'"
        ) from exc

    def walk(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT:
                raise ToolError(f"exponent {right} is too large (limit {_MAX_EXPONENT})")
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](walk(node.operand))
        raise ToolError(
            f"{expression!r} contains {type(node).__name__}, which the calculator does not "
            "support; use numbers, + - * / // % ** and parentheses"
        )

    try:
        result: int | float = walk(tree)
    except ZeroDivisionError as exc:
        raise ToolError(f"{expression!r} divides by zero") from exc
    return result


class CalculatorTool(BaseTool[CalculatorArgs, str]):
    """Evaluates an arithmetic expression and returns the result as text."""

    component_provider = "calculator"
    component_config_schema = _NoConfig

    def __init__(self) -> None:
        super().__init__(
            CalculatorArgs,
            str,
            "calculator",
            "Evaluate an arithmetic expression (+ - * / // % ** and parentheses).",
        )

    async def run(self, args: CalculatorArgs, cancellation_token: CancellationToken) -> str:
        return str(evaluate(args.expression))

    def _to_config(self) -> _NoConfig:
        return _NoConfig()

    @classmethod
    def _from_config(cls, config: _NoConfig) -> CalculatorTool:
        return cls()
