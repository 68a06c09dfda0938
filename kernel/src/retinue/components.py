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

import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticSerializationError
from typing_extensions import Self

from ._errors import ComponentError, ComponentLoadError, RetinueError, bounded_repr, bounded_text
from .hookspecs import KINDS

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

ConfigT = TypeVar("ConfigT", bound=BaseModel)
T = TypeVar("T")

TRUST_CODE_ENV = "RETINUE_TRUST_CODE_SPECS"
"""Set to ``1`` to trust every spec that carries code (e.g. a ``FunctionTool``'s source)."""


@dataclass(frozen=True)
class _LoadOptions:
    registry: Any
    trust_code: bool
    allow_imports: tuple[str, ...]


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
            f"load_component(spec, trust_code=True) or by setting {TRUST_CODE_ENV}=1"
        )


def import_reference(path: str, what: str) -> Any:
    """Import the ``package.module:attr`` a spec names, if its module is allowed.

    Allowed means listed in ``load_component(..., allow_imports=[...])`` or in
    ``RETINUE_COMPONENT_ALLOWLIST`` (the same rule the registry applies to providers).
    ``what`` names the referrer for the error, e.g. ``"FunctionTool 'add'"``.
    """
    options = _LOAD_OPTIONS.get()
    if options is None:
        from .registry import get_registry

        options = _LoadOptions(get_registry(), False, ())
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
    registry: Any, trust_code: bool | None, allow_imports: Sequence[str] | None
) -> Iterator[_LoadOptions]:
    outer = _LOAD_OPTIONS.get()
    if registry is None:
        if outer is not None:
            registry = outer.registry
        else:
            from .registry import get_registry

            registry = get_registry()
    if trust_code is None:
        trust_code = outer.trust_code if outer is not None else False
    allowed = (*(outer.allow_imports if outer is not None else ()), *(allow_imports or ()))
    options = _LoadOptions(registry, trust_code, allowed)
    token = _LOAD_OPTIONS.set(options)
    try:
        yield options
    finally:
        _LOAD_OPTIONS.reset(token)


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

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    provider: str
    kind: str | None = None
    version: int | None = None
    label: str | None = None
    description: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)

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


def format_validation_error(error: ValidationError) -> str:
    """Render a pydantic error as ``path.to.field: message`` lines, never echoing input values.

    Each path part and message is bounded, so a huge key or message stays short.
    """
    lines = []
    for item in error.errors(include_url=False, include_input=False, include_context=False):
        path = ".".join(bounded_text(str(part), 40) for part in item["loc"]) or "<root>"
        lines.append(f"  {path}: {bounded_text(item['msg'], _MESSAGE_LIMIT)}")
    return "\n".join(lines)


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
        return type(error)(message)
    except Exception:  # an error class with a richer constructor: keep the family
        return ComponentLoadError(message)


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
        isinstance(spec, str) and "\n" not in spec and spec.endswith((".json", ".yaml", ".yml"))
    ):
        path = Path(spec)
        source = f"component spec file {bounded_repr(str(path))}"
        data = _parse_text(_read_spec_file(path, source), source=source)
    elif isinstance(spec, str):
        data = _parse_text(spec, source="the component spec text")
    if not isinstance(data, Mapping):
        empty = " (it is empty)" if data is None else ""
        raise ComponentLoadError(
            f"{source} must be a mapping with 'provider' and 'config'{empty}, got "
            f"{type(data).__name__}; write it like "
            '{"provider": "openai", "kind": "model_client", "config": {...}}'
        )
    _check_shape(data, source)
    data = dict(data)
    if "kind" not in data and "component_type" in data:
        autogen_type = data["component_type"]
        # Anything but a string is left for validation to refuse with the field's path.
        data["kind"] = (
            AUTOGEN_COMPONENT_TYPES.get(autogen_type, autogen_type)
            if isinstance(autogen_type, str)
            else autogen_type
        )
    if data.get("component_version") is not None:
        # AutoGen writes the config version there; its ``version`` is the spec format's.
        data["version"] = data["component_version"]
    return ComponentModel.model_validate(data)


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
    model = parse_spec(spec)

    def build() -> T:
        with _load_options(registry, trust_code, allow_imports) as options:
            return _build(model, expected, options)

    return _guarded(build, {"provider": model.provider, "kind": model.kind, "config": model.config})


def _build(model: ComponentModel, expected: type[T] | None, options: _LoadOptions) -> T:
    provider = bounded_repr(model.provider)
    if model.kind is not None and model.kind not in KINDS:
        raise ComponentLoadError(
            f"unknown component kind {bounded_repr(model.kind)} in spec for provider {provider}; "
            f"expected one of: {', '.join(KINDS)}"
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
            try:
                config = target.component_config_schema.model_validate(model.config)
            except ValidationError as exc:
                raise ComponentLoadError(
                    f"invalid config for {provider} ({target.__name__}):\n"
                    + format_validation_error(exc)
                ) from None
            obj = target._from_config(config)
    except RetinueError:
        raise
    except ValidationError as exc:
        # Raised by a migration or by _from_config itself; pydantic's own text would
        # echo the input values, which may include a secret in clear.
        raise ComponentLoadError(
            f"invalid config for {provider} ({target.__name__}, config version "
            f"{version}):\n" + format_validation_error(exc)
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


def load_nested(spec: ComponentModel | Mapping[str, Any], expected: type[T] | None, at: str) -> T:
    """Load a spec nested in another component's config (inside its ``_from_config``).

    Uses the enclosing load's registry and trust, and prefixes errors with the nested
    spec's place ``at`` (e.g. ``"tools.2"``), so a bad nested spec is easy to find.
    """
    try:
        return load_component(spec, expected)
    except ComponentLoadError as exc:
        raise type(exc)(f"in {bounded_text(at)}: {exc}") from None
