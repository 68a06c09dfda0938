"""``FunctionTool``: turn a plain Python function into a tool, its schema read from type hints."""

from __future__ import annotations

import ast
import copy
import functools
import inspect
import textwrap
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, get_args, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator
from pydantic.fields import FieldInfo

from .._errors import ComponentError, ConfigurationError
from ..cancellation import CancellationToken
from ..components import import_reference, require_trusted_code
from ._base_tool import BaseTool
from ._cancellable import await_cancellable, in_daemon_thread

__all__ = ["Alias", "FunctionTool", "FunctionToolConfig", "ImportFromModule"]

_CANCELLATION_PARAM = "cancellation_token"


class Alias(BaseModel):
    """``import name as alias`` inside an :class:`ImportFromModule`."""

    model_config = ConfigDict(defer_build=True)

    name: str
    alias: str


class ImportFromModule(BaseModel):
    """``from module import a, b as c`` needed by a tool's source code."""

    model_config = ConfigDict(defer_build=True)

    module: str
    imports: list[str | Alias]


GlobalImport = str | ImportFromModule
"""``"math"`` (``import math``) or an :class:`ImportFromModule`."""


class FunctionToolConfig(BaseModel):
    """The spec of a :class:`FunctionTool`: the function as ``source_code`` (run on load,
    only if trusted) or as a ``function`` reference ``"package.module:name"`` (imported on
    load, only from allowed modules)."""

    model_config = ConfigDict(defer_build=True)

    name: str
    description: str
    source_code: str | None = None
    function: str | None = None
    global_imports: list[GlobalImport] = Field(default_factory=list)
    strict: bool = False
    has_cancellation_support: bool = False
    timeout: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_way_to_the_function(self) -> FunctionToolConfig:
        if (self.source_code is None) == (self.function is None):
            raise ValueError(
                "give exactly one of source_code (the function's source) or function "
                "(a 'package.module:name' reference)"
            )
        return self


def _label(func: Callable[..., Any]) -> str:
    return str(getattr(func, "__qualname__", None) or repr(func))


def _hinted(func: Callable[..., Any]) -> Any:
    """Where the annotations of ``func`` are (partials and callable objects keep them apart)."""
    while isinstance(func, functools.partial):
        func = func.func
    if inspect.isroutine(func) or inspect.isclass(func):
        return func
    return type(func).__call__


def _is_cancellation_param(param: inspect.Parameter, hint: Any) -> bool:
    return param.name == _CANCELLATION_PARAM or hint is CancellationToken


def _field_for(hint: Any, param: inspect.Parameter) -> tuple[Any, FieldInfo]:
    """The pydantic field of one parameter; a bare string in ``Annotated`` is its description."""
    description = None
    if get_origin(hint) is Annotated:
        base, *extras = get_args(hint)
        texts = [extra for extra in extras if isinstance(extra, str)]
        if texts:
            description = " ".join(texts)
            others = [extra for extra in extras if not isinstance(extra, str)]
            metadata = (base, *others)
            hint = Annotated[metadata] if others else base
    if isinstance(param.default, FieldInfo):  # def f(x: int = Field(description=...))
        field = copy.copy(param.default)
        field.description = field.description or description
        return hint, field
    default = ... if param.default is inspect.Parameter.empty else param.default
    # Passing description=None would erase one given by a Field inside Annotated.
    return hint, Field(default, description=description) if description else Field(default)


def _args_model(
    func: Callable[..., Any], name: str, strict: bool
) -> tuple[type[BaseModel], Any, bool]:
    """Build the arguments model from ``func``'s signature; also its return type and
    whether it takes a cancellation token."""
    try:
        hints = get_type_hints(_hinted(func), include_extras=True)
    except Exception as exc:
        raise ConfigurationError(
            f"cannot read the type hints of {_label(func)}: {exc}; make every "
            "annotation importable where the function is defined"
        ) from exc
    fields: dict[str, Any] = {}
    takes_token = False
    for param in inspect.signature(func).parameters.values():
        if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise ConfigurationError(
                f"{_label(func)} takes *{param.name}; a tool's arguments must be named "
                "parameters so they can be described to the model"
            )
        hint = hints.get(param.name, Any)
        if _is_cancellation_param(param, hint):
            takes_token = True
            continue
        fields[param.name] = _field_for(hint, param)
    config = ConfigDict(extra="forbid" if strict else "ignore", arbitrary_types_allowed=True)
    model = create_model(f"{name}_args", __config__=config, **fields)
    return model, hints.get("return", Any), takes_token


def _source_of(func: Callable[..., Any]) -> tuple[str, str]:
    """The function's source without decorators, and its name in that source."""
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError) as exc:
        raise ComponentError(
            f"cannot dump FunctionTool for {_label(func)}: its source "
            "code is not available (lambdas, builtins and functions typed into a REPL have "
            "none); define it with 'def' in a module"
        ) from exc
    definition = _first_function(source)
    if definition is None:
        raise ComponentError(f"cannot dump {_label(func)}: no 'def' found in its source")
    lines = source.splitlines(keepends=True)
    return "".join(lines[definition.lineno - 1 : definition.end_lineno]), definition.name


def _reference_to(func: Callable[..., Any]) -> str:
    module = getattr(func, "__module__", None)
    qualname = getattr(func, "__qualname__", "")
    if not module or module == "__main__" or "." in qualname or "<" in qualname:
        raise ComponentError(
            f"cannot dump {qualname or func!r} as a reference: only functions defined at the "
            "top level of an importable module can be imported again; use dump_as='source'"
        )
    return f"{module}:{qualname}"


def _first_function(source: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node
    return None


def _import_globals(imports: Sequence[GlobalImport]) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    for item in imports:
        if isinstance(item, str):
            exec(f"import {item}", namespace)
            continue
        for name in item.imports:
            if isinstance(name, Alias):
                exec(f"from {item.module} import {name.name} as {name.alias}", namespace)
            else:
                exec(f"from {item.module} import {name}", namespace)
    return namespace


class FunctionTool(BaseTool[BaseModel, Any]):
    """A tool that calls a Python function; the schema comes from its signature.

    Describe arguments with ``Annotated[T, "description"]`` or pydantic's ``Field``.  A
    parameter named ``cancellation_token`` (or typed :class:`~retinue.CancellationToken`)
    receives the call's token and is not shown to the model.  Sync functions run in a
    daemon thread of their own, so they do not block the event loop and a call that is
    cancelled or times out never keeps the interpreter from exiting (the thread is
    abandoned: Python cannot stop it).

    ``timeout`` (seconds) limits each call, sync or async: a call still running then
    is stopped and fails with a :class:`~retinue.ToolError` naming the tool and the
    limit, which an agent hands to the model as an error result.

    >>> from typing import Annotated
    >>> def add(a: Annotated[int, "first addend"], b: int) -> int:
    ...     return a + b
    >>> tool = FunctionTool(add, description="Add two integers.")
    >>> tool.schema["parameters"]["required"]
    ['a', 'b']

    Dumped specs carry the function's source code (like AutoGen's).  Loading one runs
    that code, so :func:`~retinue.load_component` refuses it unless called with
    ``trust_code=True`` (or ``RETINUE_TRUST_CODE_SPECS=1`` is set).  With
    ``dump_as="reference"`` a module-level function is dumped as ``"package.module:name"``
    instead, and loads by import if the caller allows that module
    (``load_component(spec, allow_imports=["package"])`` or ``RETINUE_COMPONENT_ALLOWLIST``).
    """

    component_provider = "function"
    component_config_schema = FunctionToolConfig

    def __init__(
        self,
        func: Callable[..., Any],
        description: str,
        name: str | None = None,
        global_imports: Sequence[GlobalImport] = (),
        strict: bool = False,
        dump_as: Literal["source", "reference"] = "source",
        timeout: float | None = None,
    ) -> None:
        if not callable(func):
            raise ConfigurationError(f"FunctionTool needs a function, got {type(func).__name__}")
        tool_name = name or str(getattr(func, "__name__", ""))
        if not name and not tool_name.isidentifier():
            raise ConfigurationError(
                f"{_label(func)} has no usable name; pass FunctionTool(..., name='...')"
            )
        if dump_as not in ("source", "reference"):
            raise ConfigurationError(f"dump_as must be 'source' or 'reference', got {dump_as!r}")
        if timeout is not None and (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or not 0 < timeout < float("inf")
        ):
            raise ConfigurationError(
                f"FunctionTool {tool_name!r}: timeout must be a positive number of seconds "
                f"or None (no limit), got {timeout!r}"
            )
        self._func = func
        self._timeout = None if timeout is None else float(timeout)
        self._dump_as = dump_as
        self._global_imports = list(global_imports)
        # Set when built from a spec: exec'd functions have no source file to read back.
        self._source_code: str | None = None
        args_type, return_type, self._takes_token = _args_model(func, tool_name, strict)
        self._is_async = inspect.iscoroutinefunction(func)
        super().__init__(args_type, return_type, tool_name, description, strict)

    @property
    def func(self) -> Callable[..., Any]:
        """The wrapped function."""
        return self._func

    @property
    def timeout(self) -> float | None:
        """The time limit of one call in seconds, or None for none."""
        return self._timeout

    async def run(self, args: BaseModel, cancellation_token: CancellationToken) -> Any:
        # Attribute access keeps nested models as objects (model_dump would flatten them).
        kwargs = {field: getattr(args, field) for field in type(args).model_fields}
        if self._takes_token:
            kwargs[_CANCELLATION_PARAM] = cancellation_token
        if self._is_async:
            # In this task (no task per call), still stoppable through the token.
            work = self._func(**kwargs)
        else:
            work = in_daemon_thread(functools.partial(self._func, **kwargs), self.name)
        return await await_cancellable(work, cancellation_token, self.name, self._timeout)

    def _to_config(self) -> FunctionToolConfig:
        if self._dump_as == "reference":
            where = {"function": _reference_to(self._func)}
        else:
            where = {"source_code": self._source_code or _source_of(self._func)[0]}
        return FunctionToolConfig(
            name=self.name,
            description=self.description,
            **where,
            global_imports=self._global_imports,
            strict=self.strict,
            has_cancellation_support=self._takes_token,
            timeout=self._timeout,
        )

    @classmethod
    def _from_config(cls, config: FunctionToolConfig) -> FunctionTool:
        if config.function is not None:
            func = import_reference(config.function, f"FunctionTool {config.name!r}")
            return cls(
                func,
                config.description,
                name=config.name,
                global_imports=config.global_imports,
                strict=config.strict,
                dump_as="reference",
                timeout=config.timeout,
            )
        assert config.source_code is not None  # guaranteed by the config's validator
        require_trusted_code(f"FunctionTool {config.name!r} carries Python source code")
        definition = _first_function(config.source_code)
        if definition is None:
            raise ConfigurationError(
                f"the source_code of FunctionTool {config.name!r} defines no function; "
                "it must contain a 'def'"
            )
        namespace = _import_globals(config.global_imports)
        exec(config.source_code, namespace)
        tool = cls(
            namespace[definition.name],
            config.description,
            name=config.name,
            global_imports=config.global_imports,
            strict=config.strict,
            timeout=config.timeout,
        )
        tool._source_code = config.source_code
        return tool

    def __repr__(self) -> str:
        return f"FunctionTool(name={self.name!r})"
