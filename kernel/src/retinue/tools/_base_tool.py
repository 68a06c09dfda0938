"""Helper bases for tools whose arguments and result are described by pydantic types."""

from __future__ import annotations

import re
from abc import abstractmethod
from collections.abc import AsyncGenerator, Mapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import to_json

from .._errors import ConfigurationError, ToolError, bounded_repr, bounded_text
from ..cancellation import CancellationToken
from ._base import ParametersSchema, Tool, ToolSchema

__all__ = [
    "BaseStreamTool",
    "BaseTool",
    "build_parameters_schema",
    "describe_validation_error",
    "inline_schema_refs",
    "validate_tool_name",
]

ArgsT = TypeVar("ArgsT", bound=BaseModel)
ReturnT = TypeVar("ReturnT")
StreamT = TypeVar("StreamT")

# The names providers accept for tools (OpenAI's rule, the strictest in use).
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def validate_tool_name(name: str) -> str:
    """Check ``name`` is usable as a tool name by every provider."""
    if not isinstance(name, str) or not _TOOL_NAME.match(name):
        raise ConfigurationError(
            f"tool name {name!r} is invalid; use 1-64 letters, digits, '_' or '-' "
            "(e.g. 'get_weather')"
        )
    return name


def _inline_refs(node: Any, defs: Mapping[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """Replace every ``$ref`` to ``#/$defs/X`` by a copy of X (providers reject ``$defs``)."""
    if isinstance(node, list):
        return [_inline_refs(item, defs, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        name = ref.removeprefix("#/$defs/")
        if name in seen:
            raise ConfigurationError(
                f"the argument type {name!r} refers to itself; recursive argument types "
                "cannot be described to a model without $defs, so flatten the type"
            )
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        resolved = _inline_refs(defs[name], defs, (*seen, name))
        return {**resolved, **_inline_refs(siblings, defs, seen)}
    return {key: _inline_refs(value, defs, seen) for key, value in node.items() if key != "$defs"}


def inline_schema_refs(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` with every ``$ref`` to ``#/$defs/X`` replaced by X and ``$defs`` dropped.

    Several providers reject ``$ref``; use it on JSON schemas that come from elsewhere
    (an MCP server's tool, a LangChain tool).

    Raises:
        ConfigurationError: a definition refers to itself (it cannot be inlined).
    """
    inlined: dict[str, Any] = _inline_refs(dict(schema), schema.get("$defs", {}))
    return inlined


def _forbid_extra_everywhere(node: Any) -> Any:
    """Strict mode: every object lists all its properties as required and allows no others."""
    if isinstance(node, list):
        return [_forbid_extra_everywhere(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _forbid_extra_everywhere(value) for key, value in node.items()}
    if result.get("type") == "object" and "properties" in result:
        result["required"] = list(result["properties"])
        result["additionalProperties"] = False
    return result


def build_parameters_schema(args_type: type[BaseModel], *, strict: bool) -> ParametersSchema:
    """The JSON schema of ``args_type`` as tool parameters: ``$defs`` inlined, titles dropped.

    Raises:
        ConfigurationError: in strict mode, when an argument has a default (a strict schema
            makes every argument required, so a default would silently never apply).
    """
    raw = args_type.model_json_schema()
    schema = _inline_refs(raw, raw.get("$defs", {}))
    properties: dict[str, Any] = schema.get("properties", {})
    required: list[str] = list(schema.get("required", []))
    if strict:
        optional = [name for name in properties if name not in required]
        if optional:
            raise ConfigurationError(
                f"strict mode needs every argument to be required, but "
                f"{', '.join(repr(n) for n in optional)} of {args_type.__name__} have defaults; "
                "remove the defaults or pass strict=False"
            )
        properties = _forbid_extra_everywhere(properties)
    parameters: ParametersSchema = {
        "type": "object",
        "properties": properties,
        "required": required,
    }
    if strict:
        parameters["additionalProperties"] = False
    return parameters


_MAX_PROBLEMS = 5


def _shown_input(value: Any) -> str:
    """The model's input in an error message: as JSON, cut short so errors stay small."""
    try:
        return bounded_text(to_json(value, fallback=repr).decode())
    except Exception:  # e.g. a lone surrogate, which JSON cannot encode
        return bounded_repr(value)


def describe_validation_error(tool_name: str, error: ValidationError) -> str:
    """A message a model can act on: which argument, what was wrong, what it sent.

    The message stays short whatever the input: at most five problems, each showing
    the start of the offending value.
    """
    items = error.errors()
    problems = []
    for item in items[:_MAX_PROBLEMS]:
        where = bounded_text(".".join(str(part) for part in item["loc"])) or "arguments"
        shown = "" if item["type"] == "missing" else f" (got {_shown_input(item.get('input'))})"
        problems.append(f"{where}: {bounded_text(item['msg'])}{shown}")
    if len(items) > _MAX_PROBLEMS:
        problems.append(f"and {len(items) - _MAX_PROBLEMS} more")
    return (
        f"invalid arguments for tool {tool_name!r}: "
        + "; ".join(problems)
        + ". Call the tool again with corrected arguments."
    )


class BaseTool(Tool, Generic[ArgsT, ReturnT]):
    """A tool whose arguments are a pydantic model; subclasses implement :meth:`run`.

    ``run_json`` validates the model's arguments against ``args_type`` (an invalid call
    raises :class:`~retinue.ToolError` with a message the model can act on), then calls
    ``run``.  ``strict=True`` makes the schema require every argument and forbid others.

    >>> class AddArgs(BaseModel):
    ...     a: int
    ...     b: int
    >>> class Add(BaseTool[AddArgs, int]):
    ...     def __init__(self) -> None:
    ...         super().__init__(AddArgs, int, "add", "Add two integers.")
    ...     async def run(self, args: AddArgs, cancellation_token: CancellationToken) -> int:
    ...         return args.a + args.b
    """

    def __init__(
        self,
        args_type: type[ArgsT],
        return_type: type[ReturnT],
        name: str,
        description: str,
        strict: bool = False,
    ) -> None:
        self._args_type = args_type
        self._return_type = return_type
        self._name = validate_tool_name(name)
        self._description = description
        self._strict = strict
        # Built once: it also checks strict mode against the arguments' defaults.
        self._parameters = build_parameters_schema(args_type, strict=strict)

    @property
    def name(self) -> str:
        return self._name

    @property
    def description(self) -> str:
        return self._description

    @property
    def strict(self) -> bool:
        return self._strict

    @property
    def schema(self) -> ToolSchema:
        schema: ToolSchema = {
            "name": self._name,
            "description": self._description,
            "parameters": self._parameters,
        }
        if self._strict:
            schema["strict"] = True
        return schema

    def args_type(self) -> type[BaseModel]:
        return self._args_type

    def return_type(self) -> type[Any]:
        return self._return_type

    def validate_args(self, args: Mapping[str, Any]) -> ArgsT:
        """Validate raw arguments; a :class:`~retinue.ToolError` says what to fix."""
        if not isinstance(args, Mapping):
            raise ToolError(
                f"invalid arguments for tool {self._name!r}: expected a JSON object of "
                f"named arguments, got {type(args).__name__}"
            )
        try:
            return self._args_type.model_validate(dict(args))
        except ValidationError as exc:
            raise ToolError(describe_validation_error(self._name, exc)) from exc

    @abstractmethod
    async def run(self, args: ArgsT, cancellation_token: CancellationToken) -> ReturnT:
        """Do the work with validated arguments."""

    async def run_json(
        self,
        args: Mapping[str, Any],
        cancellation_token: CancellationToken,
        call_id: str | None = None,
    ) -> Any:
        return await self.run(self.validate_args(args), cancellation_token)

    def return_value_as_string(self, value: Any) -> str:
        """Text for the model: strings as they are, everything else as JSON."""
        if isinstance(value, str):
            return value
        try:
            return to_json(value, fallback=str).decode()
        except Exception:
            # Lone surrogates, cycles, failing __str__...: the plain rendering copes or says why.
            return super().return_value_as_string(value)


class BaseStreamTool(BaseTool[ArgsT, ReturnT], Generic[ArgsT, StreamT, ReturnT]):
    """A tool that yields progress events before its result (e.g. an agent used as a tool).

    :meth:`run_stream` yields any number of events and then the result as its last item;
    :meth:`run` (used by ``run_json``) consumes the stream and returns that result.
    """

    @abstractmethod
    def run_stream(
        self, args: ArgsT, cancellation_token: CancellationToken
    ) -> AsyncGenerator[StreamT | ReturnT, None]:
        """Yield events, then the result."""

    async def run_json_stream(
        self,
        args: Mapping[str, Any],
        cancellation_token: CancellationToken,
        call_id: str | None = None,
    ) -> AsyncGenerator[StreamT | ReturnT, None]:
        """Validate ``args`` and stream :meth:`run_stream`; the last item is the result."""
        validated = self.validate_args(args)
        async for item in self.run_stream(validated, cancellation_token):
            yield item

    async def run(self, args: ArgsT, cancellation_token: CancellationToken) -> ReturnT:
        last: Any = _NOTHING
        async for item in self.run_stream(args, cancellation_token):
            last = item
        if last is _NOTHING:
            raise ToolError(f"stream tool {self._name!r} ended without yielding a result")
        return last  # type: ignore[no-any-return]


_NOTHING = object()
