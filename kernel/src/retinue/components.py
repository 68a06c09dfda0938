"""Declarative components: every configurable object dumps to and loads from a spec.

A spec is a :class:`ComponentModel`::

    {"provider": "openai", "kind": "model_client", "version": 1, "config": {"model": "gpt-4o"}}

``provider`` is a name (or alias) registered by a plugin through the provider hooks;
loading never imports an arbitrary dotted path and never runs code carried in a spec.
AutoGen's component JSON (``provider: "autogen_ext.models.openai.OpenAIChatCompletionClient"``,
``component_type: "model"``) loads through the aliases plugins register.

A class becomes a component by deriving from :class:`Component`, naming a config
schema (a pydantic model) and implementing ``_to_config`` and ``_from_config``::

    class EchoConfig(BaseModel):
        prefix: str = ""

    class Echo(Component[EchoConfig]):
        component_kind = "tool"
        component_provider = "echo"
        component_config_schema = EchoConfig

        def __init__(self, prefix: str = "") -> None:
            self.prefix = prefix

        def _to_config(self) -> EchoConfig:
            return EchoConfig(prefix=self.prefix)

        @classmethod
        def _from_config(cls, config: EchoConfig) -> "Echo":
            return cls(config.prefix)
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sys
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar, cast

from pydantic import (
    AliasChoices,
    AliasPath,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticSerializationError
from typing_extensions import Self

from ._errors import ComponentError, ComponentLoadError, RetinueError, bounded_repr, bounded_text
from ._kinds import KINDS
from ._slots import default_registry

__all__ = [
    "AUTOGEN_COMPONENT_TYPES",
    "KINDS",
    "TRUST_CODE_ENV",
    "Component",
    "ComponentModel",
    "code_specs_trusted",
    "dump_component",
    "format_validation_error",
    "import_reference",
    "load_component",
    "load_nested",
    "parse_spec",
    "require_trusted_code",
    "validate_config",
]


AUTOGEN_COMPONENT_TYPES: dict[str, str] = {
    "model": "model_client",
    "chat_completion_context": "model_context",
    "agent": "agent",
    "team": "team",
    "tool": "tool",
    "workbench": "workbench",
    "termination": "termination",
    "code_executor": "code_executor",
    "memory": "memory",
    "replay_chat_completion_client": "model_client",  # AutoGen's ReplayChatCompletionClient
}
"""AutoGen's ``component_type`` values mapped onto retinue kinds."""

AUTOGEN_NOT_PORTED: dict[str, str] = {
    "autogen_ext.models.anthropic.AnthropicBedrockChatCompletionClient": (
        "retinue has no Bedrock client yet. For Claude, use provider: anthropic with an "
        "Anthropic API key (retinue-anthropic); a gateway in front of Bedrock that serves "
        "an OpenAI-compatible API works with provider: openai and its base_url"
    ),
    "autogen_ext.models.ollama.": (
        "retinue has no Ollama client yet. Ollama serves an OpenAI-compatible API, so use "
        "provider: openai with config {model: <the Ollama model>, base_url: "
        "http://localhost:11434/v1, api_key: ollama, model_info: {...}} (retinue-openai)"
    ),
    "autogen_ext.models.azure.": (
        "retinue has no Azure AI Inference client yet. For a model deployed on Azure "
        "OpenAI, use provider: azure_openai (retinue-openai); a server with an "
        "OpenAI-compatible API works with provider: openai and its base_url"
    ),
    "autogen_ext.models.llama_cpp.": (
        "retinue has no llama.cpp client yet. llama.cpp's server speaks the OpenAI API, so "
        "use provider: openai with base_url set to the server's /v1 address and model_info"
    ),
    "autogen_ext.models.cache.": (
        "retinue has no ChatCompletionCache yet. Load the wrapped client's spec (the "
        "cache's config.chat_completion_client) in its place; replies are then not cached"
    ),
    "autogen_core.InMemoryStore": (
        "retinue has no cache stores: AutoGen's stores serve ChatCompletionCache only, "
        "which retinue has not either. Drop the store and load the wrapped client's spec"
    ),
    "autogen_ext.cache_store.": (
        "retinue has no cache stores: AutoGen's stores serve ChatCompletionCache only, "
        "which retinue has not either. Drop the store and load the wrapped client's spec"
    ),
    "autogen_ext.tools.http.": (
        "retinue has no HTTP tool yet. Call the API from a FunctionTool (provider: "
        "function) or serve it as an MCP tool (provider: mcp, retinue-mcp)"
    ),
    "autogen_ext.tools.code_execution.": (
        "retinue has no code-execution tool yet. Give the code to a CodeExecutorAgent "
        "(retinue-agentchat) with provider: local (retinue-local) or docker (retinue-docker)"
    ),
    "autogen_ext.code_executors.jupyter.": (
        "retinue has no Jupyter code executor yet. Use provider: local (retinue-local) or "
        "docker (retinue-docker), which run the same Python code blocks"
    ),
}
"""AutoGen classes (a full name or a module prefix) retinue does not provide -> what to use."""


def autogen_not_ported_advice(provider: str) -> str | None:
    """What to use instead of an AutoGen class retinue does not provide, if ``provider`` is one.

    The registry adds it when no plugin registers the provider, and the spec loader when
    AutoGen's ``component_type`` has no retinue kind, so both say what works today.
    """
    for prefix, advice in AUTOGEN_NOT_PORTED.items():
        if provider.startswith(prefix):
            return advice
    return None


ConfigT = TypeVar("ConfigT", bound=BaseModel)
T = TypeVar("T")

TRUST_CODE_ENV = "RETINUE_TRUST_CODE_SPECS"
"""Set to ``1`` to trust every spec that carries code (e.g. a ``FunctionTool``'s source)."""


@dataclass
class _LoadOptions:
    registry: Any
    trust_code: bool
    allow_imports: tuple[str, ...]
    # Where the spec being built sits in the file ("" for the root, else e.g.
    # "config.participants[1]"), and its validated config once known: nested loads
    # find their spec in it by identity, so every message names the place in the file.
    path: str = ""
    config: Any = None
    what: str = ""  # the provider and class being built, for messages
    ignored: frozenset[str] = frozenset()  # config keys the class accepts and ignores


# Set while a spec loads, so components that load nested specs (teams, combined
# conditions, workbenches) resolve them in the same registry with the same trust.
_LOAD_OPTIONS: ContextVar[_LoadOptions | None] = ContextVar("retinue_load_options", default=None)


def code_specs_trusted() -> bool:
    """Whether the spec being loaded may run code it carries.

    True inside ``load_component(..., trust_code=True)`` or with ``RETINUE_TRUST_CODE_SPECS=1``.
    """
    options = _LOAD_OPTIONS.get()
    if options is not None and options.trust_code:
        return True
    return os.environ.get(TRUST_CODE_ENV, "").strip().lower() in {"1", "true", "yes"}


def require_trusted_code(what: str) -> None:
    """Refuse to go on unless code in specs is trusted (see :func:`code_specs_trusted`).

    ``what`` describes the code, e.g. ``"FunctionTool 'add' carries Python source"``.
    """
    if not code_specs_trusted():
        raise ComponentLoadError(
            f"refusing to load a spec that runs code: {what}, which would be executed on "
            "load. Load it only if you trust where it came from, with "
            "load_component(spec, trust_code=True), the --trust-code option of the retinue "
            f"command, or by setting {TRUST_CODE_ENV}=1"
        )


def import_reference(path: str, what: str) -> Any:
    """Import the ``package.module:attr`` a spec names, if its module is allowed.

    Allowed means listed in ``load_component(..., allow_imports=[...])`` or in
    ``RETINUE_COMPONENT_ALLOWLIST`` (the same rule the registry applies to providers).
    ``what`` names the referrer for the error, e.g. ``"FunctionTool 'add'"``.
    """
    options = _LOAD_OPTIONS.get()
    if options is None:
        options = _LoadOptions(default_registry(), False, ())
    module = path.partition(":")[0]
    try:
        return options.registry.load(None, path, allow_imports=list(options.allow_imports))
    except RetinueError as exc:
        raise ComponentLoadError(
            f"{what} refers to {path!r}, which is imported only from trusted modules; "
            f"allow it with load_component(spec, allow_imports=[{module!r}]) or "
            f"RETINUE_COMPONENT_ALLOWLIST={module} (the reference must look like "
            f"'package.module:function')"
        ) from exc


@contextmanager
def _load_options(
    registry: Any, trust_code: bool | None, allow_imports: Sequence[str] | None, path: str = ""
) -> Iterator[_LoadOptions]:
    outer = _LOAD_OPTIONS.get()
    if registry is None:
        registry = outer.registry if outer is not None else default_registry()
    if trust_code is None:
        trust_code = outer.trust_code if outer is not None else False
    allowed = (*(outer.allow_imports if outer is not None else ()), *(allow_imports or ()))
    options = _LoadOptions(registry, trust_code, allowed, path)
    token = _LOAD_OPTIONS.set(options)
    try:
        yield options
    finally:
        _LOAD_OPTIONS.reset(token)


def _from_autogen_shape(data: Mapping[Any, Any]) -> dict[Any, Any]:
    """AutoGen's spec keys as retinue's: ``component_type`` -> ``kind``, ``component_version``."""
    data = dict(data)
    autogen_type = data.pop("component_type", None)
    if data.get("kind") is None and autogen_type is not None:
        # Anything but a string is left for validation to refuse with the field's path.
        data["kind"] = (
            AUTOGEN_COMPONENT_TYPES.get(autogen_type, autogen_type)
            if isinstance(autogen_type, str)
            else autogen_type
        )
    autogen_version = data.pop("component_version", None)
    if autogen_version is not None:
        # AutoGen writes the config version there; its ``version`` is the spec format's.
        data["version"] = autogen_version
    return data


class ComponentModel(BaseModel):
    """The serialized form of a component.

    Attributes:
        provider: registered provider name or alias (e.g. ``"openai"``).
        kind: one of :data:`KINDS`; optional when the provider name is unique across kinds.
        version: version of the config schema the spec was written with.
        label: a human-readable name (defaults to the class name).
        description: what the component is for.
        config: the provider's config, validated by its schema on load.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)

    provider: str
    kind: str | None = None
    version: int | None = None
    label: str | None = None
    description: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)

    # Keys the spec had that a spec does not have (a typo such as ``confg``).  Kept
    # rather than refused here, so loading refuses them with the spec's place in the file.
    _unknown_keys: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _read_autogen_keys(cls, data: Any, handler: Callable[[Any], Self]) -> Self:
        unknown: tuple[str, ...] = ()
        if isinstance(data, Mapping):
            data = _from_autogen_shape(data)
            unknown = tuple(key for key in data if key not in cls.model_fields)
        model = handler(data)
        if unknown:
            model._unknown_keys = unknown
        return model

    # Built or validated directly, a bad spec raises ComponentLoadError like load_component,
    # never pydantic's ValidationError (whose text and fields carry the raw input).
    def __init__(self, /, **data: Any) -> None:
        _guarded(lambda: super(ComponentModel, self).__init__(**data))

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        """Validate ``obj`` as a spec; a bad one raises :class:`ComponentLoadError`."""
        return _guarded(lambda: super(ComponentModel, cls).model_validate(obj, *args, **kwargs))

    @classmethod
    def model_validate_json(cls, json_data: Any, *args: Any, **kwargs: Any) -> Self:
        """Validate JSON text as a spec; a bad one raises :class:`ComponentLoadError`."""
        return _guarded(
            lambda: super(ComponentModel, cls).model_validate_json(json_data, *args, **kwargs)
        )


#: the longest pydantic message shown per field of an invalid spec
_MESSAGE_LIMIT = 200
#: the longest spec file path shown (PATH_MAX on Linux)
_PATH_LIMIT = 4096


def format_validation_error(error: ValidationError, at: str = "") -> str:
    """Render a pydantic error as ``path.to[0].field: message`` lines, never echoing input values.

    ``at`` is the place of the validated value in its file (e.g. ``"config"``), put
    before each path.  Each path part and message is bounded, so a huge key or
    message stays short.
    """
    lines = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        path = _spec_path(at, *item["loc"]) or "<root>"
        lines.append(f"  {path}: {bounded_text(item['msg'], _MESSAGE_LIMIT)}")
    return "\n".join(lines)


def _spec_path(at: str, *loc: str | int) -> str:
    """``at`` (a place already written as a path) followed by pydantic-style ``loc`` parts.

    One style everywhere: keys joined by dots, list positions in brackets, so
    ``_spec_path("config", "participants", 1, "config", "name")`` is
    ``config.participants[1].config.name``.  Each key is bounded.
    """
    path = at
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            text = bounded_text(str(part), 40)
            path = f"{path}.{text}" if path else text
    return path


def _field_keys(name: str, field: FieldInfo) -> list[str]:
    """The keys a field is read from: its name and its aliases."""
    keys = [name, *([field.alias] if field.alias else [])]
    aliases = field.validation_alias
    for choice in aliases.choices if isinstance(aliases, AliasChoices) else [aliases]:
        if isinstance(choice, str):
            keys.append(choice)
        elif isinstance(choice, AliasPath) and isinstance(choice.path[0], str):
            keys.append(choice.path[0])
    return keys


def _unknown_key_lines(unknown: Sequence[Any], accepted: Sequence[str], at: str) -> list[str]:
    """One ``path: unknown key; ...`` line per key, naming the nearest accepted key."""
    return [line for _, line in _unknown_keys(unknown, accepted, at)]


def _unknown_keys(
    unknown: Sequence[Any], accepted: Sequence[str], at: str
) -> list[tuple[str, str]]:
    found = []
    for key in unknown:
        close = difflib.get_close_matches(str(key), accepted, n=1, cutoff=0.6)
        if close:
            hint = f"did you mean {close[0]!r}?"
        else:
            listed = ", ".join(accepted[:20]) + (", ..." if len(accepted) > 20 else "")
            hint = f"the accepted keys are: {listed or 'none'}"
        path = _spec_path(at, str(key))
        found.append((path, f"  {path}: unknown key; {hint}"))
    return found


def _unknown_config_keys(
    model: type[BaseModel], data: Any, at: str, ignored: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """``(path, line)`` for every key of ``data`` that ``model`` (or one nested in it) lacks.

    Pydantic ignores unknown keys by default, so a misspelled one (``system_mesage``)
    would be dropped in silence; a model with ``extra="forbid"`` refuses it without
    naming the key meant.  Models nested in ``model`` are checked too, through the
    field annotations.  Left alone: models with ``extra="allow"``, nested component
    specs (checked when they load) and the top-level keys in ``ignored``.
    """
    if isinstance(data, Mapping) and ignored:
        data = {key: value for key, value in data.items() if key not in ignored}
    return _unknown_in(model, data, at, 0)


def _unknown_in(model: type[BaseModel], data: Any, at: str, depth: int) -> list[tuple[str, str]]:
    if (
        depth > MAX_SPEC_DEPTH
        or not isinstance(data, Mapping)
        or issubclass(model, ComponentModel)
        or model.model_config.get("extra") == "allow"
    ):
        return []
    fields = {
        key: field for name, field in model.model_fields.items() for key in _field_keys(name, field)
    }
    found = _unknown_keys([key for key in data if key not in fields], list(fields), at)
    for key, value in data.items():
        if key in fields:
            for place, nested, item in _nested_models(
                fields[key].annotation, value, _spec_path(at, key)
            ):
                found += _unknown_in(nested, item, place, depth + 1)
    return found


def _nested_models(annotation: Any, value: Any, at: str) -> Iterator[tuple[str, Any, Any]]:
    """``(place, model, data)`` for each pydantic model a field's ``value`` is read as.

    Only when the annotation says which model without doubt: ``Model``, ``Model | None``,
    ``list[Model]``, ``dict[str, Model]``; a union of several models is pydantic's choice.
    """
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        yield from _nested_models(args[0], value, at)
    elif origin is typing.Union or origin is types.UnionType:
        options = [arg for arg in args if arg is not type(None)]
        if len(options) == 1:
            yield from _nested_models(options[0], value, at)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield at, annotation, value
    elif origin in (list, tuple, set, frozenset, Sequence) and args and isinstance(value, list):
        if origin is not tuple or (len(args) == 2 and args[1] is Ellipsis):
            for index, item in enumerate(value):
                yield from _nested_models(args[0], item, _spec_path(at, index))
    elif origin in (dict, Mapping) and len(args) == 2 and isinstance(value, Mapping):
        for key, item in value.items():
            yield from _nested_models(args[1], item, _spec_path(at, str(key)))


#: specs nest a few levels (a team's agents' model clients' configs); far deeper is an error
MAX_SPEC_DEPTH = 100
#: values in one spec, counting each use of a YAML alias again (so alias bombs stop here)
MAX_SPEC_VALUES = 1_000_000

# Keys whose values a message must never show, even when pydantic or a constructor echoes them.
_SECRET_KEY = re.compile(r"key|token|secret|passw|credential|auth", re.IGNORECASE)
# Values shaped like a provider's credential, wherever they sit (a key pasted as the
# provider name, into an unknown field, ...): OpenAI/Anthropic, Google, GitHub, Slack,
# Hugging Face, AWS access keys and JWTs.
_CREDENTIAL = re.compile(
    r"(sk|pk|rk)[-_][\w-]{8,}|AIza[\w-]{20,}|gh[pousr]_\w{20,}|github_pat_\w{20,}"
    r"|xox[abprs]-[\w-]{10,}|hf_\w{20,}|AKIA[0-9A-Z]{16}|eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]*"
)


def _guarded(action: Callable[[], T], data: Any = None) -> T:
    """Run one step of spec loading; whatever fails leaves as a :class:`RetinueError` alone.

    This is the one error boundary of spec loading.  The error raised here has no
    ``__cause__`` and no ``__context__``: the exceptions it replaces (pydantic's
    ``ValidationError`` with its ``input_value``, PyYAML's marked errors quoting the
    line, a constructor's ``ValueError``) carry the raw spec, and with it any key
    written in clear.  Strings found under secret-looking keys of ``data`` are also
    cut out of the message.
    """
    try:
        return action()
    except RetinueError as exc:
        error: RetinueError = exc
    except ValidationError as exc:
        error = ComponentLoadError("invalid component spec:\n" + format_validation_error(exc))
    except RecursionError:
        error = _too_deep("the spec")
    except Exception as exc:
        error = ComponentLoadError(
            f"the spec could not be loaded: {type(exc).__name__}: "
            f"{bounded_text(str(exc), _MESSAGE_LIMIT)}; check the spec against the "
            "provider's documented config"
        )
    secrets = _secret_strings(data)
    if secrets:
        message = str(error)
        redacted = message
        for secret in secrets:
            redacted = redacted.replace(secret, "**********")
        if redacted != message:
            error = _same_type_with(error, redacted)
    error.__cause__ = None
    error.__context__ = None
    error.__suppress_context__ = True
    raise error


def _same_type_with(error: RetinueError, message: str) -> RetinueError:
    try:
        copy = type(error)(message)
    except Exception:  # an error class with a richer constructor: keep the family
        copy = ComponentLoadError(message)
    if hasattr(error, "spec_path"):
        copy.spec_path = error.spec_path  # type: ignore[attr-defined]
    return copy


def _too_deep(what: str) -> ComponentLoadError:
    return ComponentLoadError(
        f"{what} is nested more than {MAX_SPEC_DEPTH} levels deep, or refers to itself "
        "through YAML anchors and aliases; flatten it (a component spec needs a few levels)"
    )


def _secret_strings(data: Any) -> list[str]:
    """Strings under secret-looking keys, and credential-shaped strings, in ``data``.

    Longest first, so a secret containing another is cut out whole.
    """
    found: set[str] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]
    seen = 0
    while stack and seen < MAX_SPEC_VALUES:
        value, secret = stack.pop()
        seen += 1
        if isinstance(value, str):
            if secret and len(value) >= 4:
                found.add(value)
            found.update(match.group(0) for match in _CREDENTIAL.finditer(value))
        elif isinstance(value, Mapping) and set(value) != {"env"}:
            # A key pasted in the wrong place is echoed as an unknown key: cut those too.
            for key in value:
                if isinstance(key, str):
                    found.update(match.group(0) for match in _CREDENTIAL.finditer(key))
            # An {"env": NAME} reference names a variable; _resolve never shows a name
            # that could be the secret itself.
            for key, item in value.items():
                stack.append(
                    (item, secret or (isinstance(key, str) and bool(_SECRET_KEY.search(key))))
                )
        elif isinstance(value, (list, tuple)) and len(stack) < MAX_SPEC_VALUES:
            stack.extend((item, secret) for item in value)
    return sorted(found, key=len, reverse=True)


def _check_shape(data: Any, source: str) -> None:
    """Refuse data too deep or too large to load, without recursing (cycles included)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if depth > MAX_SPEC_DEPTH:
            raise _too_deep(source)
        if count > MAX_SPEC_VALUES:
            raise ComponentLoadError(
                f"{source} holds more than {MAX_SPEC_VALUES} values (counting each use of a "
                "YAML alias); a component spec is far smaller, so check what produced it"
            )
        if isinstance(value, Mapping):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend((item, depth + 1) for item in value)


class Component(Generic[ConfigT]):
    """Mixin that makes a class dumpable and loadable as a declarative spec.

    Class attributes:
        component_kind: the kind (see :data:`KINDS`).
        component_provider: the registered provider name written into dumps.
        component_version: the config schema version; bump it and implement
            :meth:`_from_config_past_version` to migrate older specs.
        component_config_schema: the pydantic model of the config.
    """

    component_kind: ClassVar[str]
    component_provider: ClassVar[str | None] = None
    component_version: ClassVar[int] = 1
    component_config_schema: ClassVar[type[BaseModel]]
    component_label: ClassVar[str | None] = None
    component_description: ClassVar[str | None] = None
    component_ignored_keys: ClassVar[Mapping[str, str]] = {}
    """Config keys accepted and ignored, each with the reason (AutoGen writes some that
    retinue does not model).  Any other key the config schema lacks is refused."""

    def _to_config(self) -> ConfigT:
        """Return the config that recreates this object."""
        raise ComponentError(
            f"{type(self).__name__} cannot be dumped: it does not implement _to_config()"
        )

    @classmethod
    def _from_config(cls, config: ConfigT) -> Any:
        """Create an object from a validated config."""
        raise ComponentError(
            f"{cls.__name__} cannot be loaded: it does not implement _from_config()"
        )

    @classmethod
    def _from_config_past_version(cls, config: dict[str, Any], version: int) -> Any:
        """Create an object from a config written with an older schema ``version``.

        The default refuses; classes that bumped ``component_version`` migrate here.
        """
        raise ComponentLoadError(
            f"{cls.__name__} config version {version} is older than the supported "
            f"version {cls.component_version} and no migration is implemented; "
            "dump the component again with the current version"
        )

    def dump_component(self) -> ComponentModel:
        """Dump this object to a :class:`ComponentModel` (secrets as env references)."""
        cls = type(self)
        provider = cls.component_provider
        if not provider:
            raise ComponentError(
                f"{cls.__name__} has no component_provider; set it to the name its plugin "
                "registers so the spec can be loaded again"
            )
        try:
            dumped = self._to_config().model_dump(mode="json", exclude_none=True)
        except RetinueError:
            raise
        except PydanticSerializationError as exc:
            # The secret serializer's ComponentError arrives wrapped: surface its message
            # whole (it is ours and says what to do); bound anything else.
            wrapped = str(exc)
            ours = wrapped.partition(f"{ComponentError.__name__}: ")[2]
            raise ComponentError(
                f"cannot dump {cls.__name__}: {ours or bounded_text(wrapped, _MESSAGE_LIMIT)}"
            ) from None
        except Exception as exc:
            # A half-built object or a config that no longer validates: say which class.
            raise ComponentError(
                f"cannot dump {cls.__name__}: its _to_config() raised {type(exc).__name__}: "
                f"{bounded_text(str(exc), _MESSAGE_LIMIT)}; dump only fully built components"
            ) from None
        return ComponentModel(
            provider=provider,
            kind=cls.component_kind,
            version=cls.component_version,
            label=cls.component_label or cls.__name__,
            description=cls.component_description or _doc_head(cls),
            config=dumped,
        )

    @classmethod
    def load_component(
        cls: type[T],
        spec: ComponentModel | Mapping[str, Any] | str | Path,
        expected: type[Any] | None = None,
        **options: Any,
    ) -> T:
        """Load a spec, checking the result is an instance of ``expected`` (default: ``cls``).

        ``options`` are those of :func:`load_component` (``registry``, ``trust_code``,
        ``allow_imports``).
        """
        return cast(T, load_component(spec, expected=expected or cls, **options))


def _doc_head(cls: type) -> str | None:
    doc = cls.__doc__
    if not doc:
        return None
    return doc.strip().split("\n\n", 1)[0].replace("\n", " ").strip() or None


def dump_component(obj: Component[Any]) -> ComponentModel:
    """Dump any component; same as ``obj.dump_component()``."""
    if not isinstance(obj, Component):
        raise ComponentError(
            f"{type(obj).__name__} is not a component: derive it from retinue.Component "
            "to make it dumpable"
        )
    return obj.dump_component()


def parse_spec(spec: ComponentModel | Mapping[str, Any] | str | Path) -> ComponentModel:
    """Turn a model, mapping, JSON/YAML text or a path to a ``.json``/``.yaml`` file into a spec.

    Raises:
        ComponentLoadError: the file cannot be read, the text cannot be parsed, or the
            data is not a spec; the error never carries the raw input (see ``load_component``).
    """
    return _guarded(lambda: _parse_spec(spec), spec if isinstance(spec, Mapping) else None)


def _parse_spec(spec: Any) -> ComponentModel:
    source = "the component spec"
    if isinstance(spec, ComponentModel):
        _check_shape(spec.config, source)
        return spec
    data: Any = spec
    if isinstance(spec, Path) or (
        isinstance(spec, str)
        and "\n" not in spec
        and (spec.endswith((".json", ".yaml", ".yml")) or _exists(spec))
    ):
        path = Path(spec)
        # A path is shown whole up to the system's own limit: cutting a user's path
        # mid-way would make the message useless, and the OS refuses longer ones anyway.
        source = f"component spec file {bounded_repr(str(path), _PATH_LIMIT)}"
        data = _parse_text(_read_spec_file(path, source), source=source)
    elif isinstance(spec, str):
        data = _parse_text(spec, source="the component spec text")
    if isinstance(data, str) and isinstance(spec, str) and "\n" not in spec.strip():
        # One line that parsed as a plain word: most likely a path that was not found.
        raise ComponentLoadError(
            f"{source} is one word, not a spec; if it is the path of a spec file, no such "
            "file exists: check the path (spec files end in .json, .yaml or .yml)"
        )
    if not isinstance(data, Mapping):
        raise ComponentLoadError(
            f"{source} {_holds(data)}, but a component spec is a mapping with "
            "'provider' and 'config'; write it like "
            '{"provider": "openai", "kind": "model_client", "config": {...}}'
        )
    _check_shape(data, source)
    return ComponentModel.model_validate(data)


def _exists(text: str) -> bool:
    """Whether one line of text names an existing file or directory (so it is a path)."""
    try:
        return len(text) < 4096 and Path(text).exists()
    except (OSError, ValueError):
        return False


def _holds(data: Any) -> str:
    """What a spec that is not a mapping holds, as words (its values are never shown)."""
    if data is None:
        return "holds nothing (it is empty or only comments)"
    if isinstance(data, list):
        return f"is a list of {len(data)} item(s) (a YAML '- ' list or a JSON array)"
    kinds = {str: "a single string", bool: "true or false", int: "a number", float: "a number"}
    return f"is {kinds.get(type(data), f'a {type(data).__name__}')}"


def _read_spec_file(path: Path, source: str) -> str:
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise ComponentLoadError(
            f"cannot read {source}: it is a directory; pass the path of a .json or .yaml spec file"
        ) from None
    except FileNotFoundError:
        raise ComponentLoadError(
            f"cannot read {source}: it does not exist; check the path"
        ) from None
    except PermissionError:
        raise ComponentLoadError(
            f"cannot read {source}: permission denied; make it readable"
        ) from None
    except OSError as exc:
        raise ComponentLoadError(
            f"cannot read {source}: {exc.strerror or type(exc).__name__}; check the path"
        ) from None
    except ValueError:  # a NUL character, which no file system accepts in a path
        raise ComponentLoadError(
            f"cannot read {source}: a path cannot contain a NUL character; check the path"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ComponentLoadError(
            f"{source} is not UTF-8 text (invalid byte at offset {exc.start}); save it as UTF-8"
        ) from None
    if not text.strip():
        raise ComponentLoadError(
            f"{source} is empty; write a spec in it, e.g. the output of dump_component()"
        )
    return text


def _parse_text(text: str, *, source: str) -> Any:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ComponentLoadError(
                f"{source} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        except RecursionError:
            raise _too_deep(source) from None
        except ValueError:
            raise _too_many_digits(source) from None
    try:
        import yaml
    except ImportError:  # pragma: no cover - depends on the environment
        raise ComponentLoadError(
            f"{source} looks like YAML, which needs PyYAML: pip install 'retinue[yaml]'"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        # Problem and position only: PyYAML's own text quotes the line, and a problem
        # may quote a token (a tag, an alias); either may be a secret written in clear.
        problem = _QUOTED.sub("'\u2026'", exc.problem or type(exc).__name__)
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        message = f"{source} is not valid YAML: {bounded_text(problem, _MESSAGE_LIMIT)}{where}"
    except RecursionError:
        raise _too_deep(source) from None
    except ValueError:
        raise _too_many_digits(source) from None
    except Exception as exc:  # PyYAML's unmarked errors, whose text may quote the input
        message = f"{source} is not valid YAML ({type(exc).__name__}); check its syntax"
    raise ComponentLoadError(message)


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def _too_many_digits(source: str) -> ComponentLoadError:
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 4300
    return ComponentLoadError(
        f"{source} holds a number with more than {limit} digits, which Python refuses to "
        "read; write it as a string or shorten it"
    )


def load_component(
    spec: ComponentModel | Mapping[str, Any] | str | Path,
    expected: type[T] | None = None,
    *,
    registry: Any = None,
    trust_code: bool | None = None,
    allow_imports: Sequence[str] | None = None,
) -> T:
    """Create the object a spec describes.

    Args:
        spec: a :class:`ComponentModel`, a mapping, JSON or YAML text, or a file path.
        expected: a class the result must be an instance of.
        registry: the registry to resolve providers in (default: the one of the load this
            call is nested in, else the process-wide one).
        trust_code: allow specs that carry code (a ``FunctionTool``'s source) to run it.
            Default: inherited from an enclosing load, else False unless
            ``RETINUE_TRUST_CODE_SPECS=1``.
        allow_imports: module prefixes whose dotted paths a spec may name as its provider
            although no plugin registered them (see ``RETINUE_COMPONENT_ALLOWLIST``).

    Raises:
        ComponentLoadError: the spec is malformed, names an unknown provider, fails
            validation (the message names the field path) or builds the wrong type.
        SecretNotFoundError: a ``{"env": ...}`` secret is not set.
    """
    return _load(spec, expected, registry, trust_code, allow_imports, None)


def _load(
    spec: ComponentModel | Mapping[str, Any] | str | Path,
    expected: type[T] | None,
    registry: Any,
    trust_code: bool | None,
    allow_imports: Sequence[str] | None,
    at: str | None,
) -> T:
    path = _place_of(spec, at)
    try:
        model = parse_spec(spec)
    except ComponentLoadError as exc:
        raise _located(exc, path) from None

    def build() -> T:
        with _load_options(registry, trust_code, allow_imports, path) as options:
            return _build(model, expected, options)

    data = {"provider": model.provider, "kind": model.kind, "config": model.config}
    try:
        return _guarded(build, data)
    except RetinueError as exc:
        raise _located(exc, path) from None


def _place_of(spec: Any, at: str | None) -> str:
    """Where ``spec`` sits in the file of the load it is nested in ("" at the root).

    A component's ``_from_config`` loads a nested spec it got from its validated
    config, so the spec is found there by identity; ``at`` (from :func:`load_nested`)
    is the fallback for a spec made on the way.
    """
    outer = _LOAD_OPTIONS.get()
    if outer is None:
        return ""
    config = _spec_path(outer.path, "config")
    found = _find(outer.config, spec)
    if found is not None:
        return _spec_path(config, *found)
    if at:
        return _spec_path(config, *(int(p) if p.isdigit() else p for p in at.split(".")))
    return config


def _find(root: Any, target: Any) -> tuple[str | int, ...] | None:
    """The place of ``target`` (by identity) in a validated config, without recursing."""
    if root is None:
        return None
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(root, ())]
    seen = 0
    while stack and seen < MAX_SPEC_VALUES:
        value, place = stack.pop()
        seen += 1
        if value is target and place:
            return place
        if len(place) > MAX_SPEC_DEPTH or isinstance(value, ComponentModel):
            continue
        if isinstance(value, BaseModel):
            stack.extend(
                (getattr(value, name, None), (*place, field.alias or name))
                for name, field in type(value).model_fields.items()
            )
        elif isinstance(value, Mapping):
            stack.extend((item, (*place, str(key))) for key, item in value.items())
        elif isinstance(value, (list, tuple)):
            stack.extend((item, (*place, index)) for index, item in enumerate(value))
    return None


def _located(error: RetinueError, path: str) -> RetinueError:
    """``error`` starting with the place in the file of the spec it is about.

    The innermost load that fails names its place; enclosing loads pass the error on.
    """
    if not path or hasattr(error, "spec_path"):
        return error
    return _placed(_same_type_with(error, f"{path}: {error}"), path)


def _placed(error: RetinueError, path: str) -> RetinueError:
    """Mark ``error`` as naming its place in the file already (its lines carry full paths)."""
    error.spec_path = path  # type: ignore[attr-defined]
    error.__cause__ = None
    error.__suppress_context__ = True
    return error


def _build(model: ComponentModel, expected: type[T] | None, options: _LoadOptions) -> T:
    provider = bounded_repr(model.provider)
    if model._unknown_keys:
        lines = _unknown_key_lines(
            model._unknown_keys, list(ComponentModel.model_fields), options.path
        )
        raise _placed(
            ComponentLoadError("invalid component spec:\n" + "\n".join(lines)), options.path
        )
    if model.kind is not None and model.kind not in KINDS:
        # AutoGen component types with no retinue kind come from classes retinue lacks:
        # say what to use rather than only that the kind is unknown.
        advice = autogen_not_ported_advice(model.provider)
        raise ComponentLoadError(
            f"unknown component kind {bounded_repr(model.kind)} in spec for provider {provider}; "
            f"expected one of: {', '.join(KINDS)}" + (f". {advice}." if advice else "")
        )
    try:
        if options.allow_imports:
            target = options.registry.load(
                model.kind, model.provider, allow_imports=list(options.allow_imports)
            )
        else:
            target = options.registry.load(model.kind, model.provider)
    except RetinueError as exc:
        raise ComponentLoadError(f"cannot load component: {exc}") from None
    if not (isinstance(target, type) and issubclass(target, Component)):
        raise ComponentLoadError(
            f"provider {provider} resolves to {bounded_repr(target)}, which is not a retinue "
            "Component and cannot be built from a spec"
        )
    version = model.version or 1
    at = _spec_path(options.path, "config")
    options.what = f"{provider} ({target.__name__})"
    options.ignored = frozenset(target.component_ignored_keys)
    try:
        if version < target.component_version:
            obj = target._from_config_past_version(model.config, version)
        elif version > target.component_version:
            raise ComponentLoadError(
                f"the spec for {provider} has config version {version}, newer than "
                f"the installed {target.__name__} supports ({target.component_version}); "
                "upgrade the plugin that provides it"
            )
        else:
            obj = target._from_config(validate_config(target.component_config_schema, model.config))
    except RetinueError:
        raise
    except ValidationError as exc:
        # Raised by a migration or by _from_config itself; pydantic's own text would
        # echo the input values, which may include a secret in clear.
        raise ComponentLoadError(
            f"invalid config for {provider} ({target.__name__}, config version "
            f"{version}):\n" + format_validation_error(exc, at)
        ) from None
    except RecursionError:
        raise _too_deep(f"the config of {provider}") from None
    except Exception as exc:
        raise ComponentLoadError(
            f"{target.__name__} could not be built from its spec: {type(exc).__name__}: "
            f"{bounded_text(str(exc), _MESSAGE_LIMIT)}"
        ) from None
    if expected is not None and not isinstance(obj, expected):
        raise ComponentLoadError(
            f"the spec for {provider} builds a {type(obj).__name__}, "
            f"but a {expected.__name__} was expected"
        )
    return cast(T, obj)


def validate_config(schema: type[ConfigT], config: Mapping[str, Any]) -> ConfigT:
    """Validate the config of the spec being loaded against its ``schema``.

    Unknown keys are refused with the nearest accepted name (pydantic alone would
    drop a misspelled ``system_mesage`` in silence), and every problem names its
    place in the file (``config.participants[1].config.name``).  The loader calls it;
    a ``_from_config_past_version`` that migrates an old config calls it on the
    migrated one.  Nested specs in the config are later found by their place.

    Raises:
        ComponentLoadError: one line per problem.
    """
    options = _LOAD_OPTIONS.get()
    path = options.path if options is not None else ""
    at = _spec_path(path, "config")
    ignored = options.ignored if options is not None else frozenset()
    unknown = _unknown_config_keys(schema, config, at, ignored)
    problems = [line for _, line in unknown]
    try:
        validated = schema.model_validate(config)
    except ValidationError as exc:
        # A model that forbids extra keys refused them too: keep only our line, which
        # names the key meant.
        said = {path for path, _ in unknown}
        problems[:0] = [
            line
            for line in format_validation_error(exc, at).splitlines()
            if line.partition(": ")[0].strip() not in said
        ]
    if problems:
        what = options.what if options is not None and options.what else schema.__name__
        raise _placed(
            ComponentLoadError(f"invalid config for {what}:\n" + "\n".join(problems)), path
        )
    if options is not None:
        options.config = validated
    return validated


def load_nested(spec: ComponentModel | Mapping[str, Any], expected: type[T] | None, at: str) -> T:
    """Load a spec nested in another component's config (inside its ``_from_config``).

    Same as :func:`load_component` there, which finds the nested spec's place in the
    enclosing config by itself; ``at`` (e.g. ``"tools.2"``) names the place when the
    spec is not an object of that config.
    """
    return _load(spec, expected, None, None, None, at)
