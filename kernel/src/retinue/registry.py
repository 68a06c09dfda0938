"""The component registry: providers by (kind, name) -> a lazily imported target.

Plugins fill it through the provider hooks (see :mod:`retinue.hookspecs`)::

    registry = retinue.get_registry()
    registry.names("model_client")                 # ["openai", "scripted", ...]
    cls = registry.load("model_client", "openai")  # imports the target now, then caches it
    client = retinue.create("model_client", "openai", model="gpt-4o")

Names and aliases (AutoGen's dotted paths such as
``autogen_agentchat.conditions.MaxMessageTermination``) resolve the same way.  A
dotted path that no plugin registered is imported only when the caller trusts its
module: ``load(..., allow_imports=["mypkg.tools"])`` or
``RETINUE_COMPONENT_ALLOWLIST=mypkg.tools`` (comma-separated module prefixes).
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import logging
import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ._errors import (
    ECHO_LIMIT,
    ConfigurationError,
    PluginError,
    ProviderConflictError,
    ProviderNotFoundError,
    bounded_repr,
)
from ._specifiers import normalize_name
from .hookspecs import KINDS, PROVIDER_HOOKS
from .plugins import PluginManager, PluginRecord, get_plugin_manager

__all__ = [
    "ALLOWLIST_ENV",
    "FIRST_PARTY_PROVIDERS",
    "ProviderInfo",
    "Registry",
    "create",
    "get_registry",
]

logger = logging.getLogger(__name__)

ALLOWLIST_ENV = "RETINUE_COMPONENT_ALLOWLIST"

FIRST_PARTY_PROVIDERS: dict[str, str] = {
    **dict.fromkeys(("openai", "azure_openai", "OpenAIChatCompletionClient"), "retinue-openai"),
    **dict.fromkeys(("AzureOpenAIChatCompletionClient",), "retinue-openai"),
    "gemini": "retinue-gemini",
    **dict.fromkeys(("anthropic", "AnthropicChatCompletionClient"), "retinue-anthropic"),
    **dict.fromkeys(("local", "LocalCommandLineCodeExecutor"), "retinue-local"),
    **dict.fromkeys(("docker", "DockerCommandLineCodeExecutor"), "retinue-docker"),
    **dict.fromkeys(("aca", "ACADynamicSessionsCodeExecutor"), "retinue-aca"),
    **dict.fromkeys(("mcp", "McpWorkbench"), "retinue-mcp"),
    "langchain": "retinue-langchain",
    "grpc": "retinue-grpc",
    **dict.fromkeys(
        (
            "assistant_agent",
            "code_executor_agent",
            "user_proxy_agent",
            "society_of_mind_agent",
            "round_robin",
            "selector",
            "swarm",
            "graph_flow",
            "max_message",
            "text_mention",
            "stop_message",
            "token_usage",
            "handoff",
            "timeout",
            "external",
            "source_match",
            "text_message",
            "function_call",
            "functional",
        ),
        "retinue-agentchat",
    ),
    "magentic_one": "retinue-magentic-one",
}
"""First-party provider names (and AutoGen class names) -> the distribution that provides them."""

_FIRST_PARTY_PREFIXES: dict[str, str] = {
    "autogen_ext.models.openai.": "retinue-openai",
    "autogen_ext.models.anthropic.": "retinue-anthropic",
    "autogen_ext.code_executors.local.": "retinue-local",
    "autogen_ext.code_executors.docker.": "retinue-docker",
    "autogen_ext.code_executors.azure.": "retinue-aca",
    "autogen_ext.tools.mcp.": "retinue-mcp",
    "autogen_ext.tools.langchain.": "retinue-langchain",
    "autogen_ext.runtimes.grpc.": "retinue-grpc",
    "autogen_ext.teams.magentic_one.": "retinue-magentic-one",
    "autogen_agentchat.": "retinue-agentchat",
}
"""AutoGen module prefixes -> the first-party distribution that registers their aliases."""


_NAME = re.compile(r"^[A-Za-z_][\w.\-]*$")
_TARGET = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*[.:][A-Za-z_]\w*$")


@dataclass(frozen=True)
class ProviderInfo:
    """One registered provider and where it comes from.

    ``target`` is what the plugin registered: a class (or other callable) or a
    ``"module:attr"`` string that :meth:`Registry.load` imports on first use.
    """

    kind: str
    name: str
    target: Any
    aliases: tuple[str, ...] = ()
    capabilities: frozenset[str] = frozenset()
    description: str | None = None
    distribution: str | None = None
    version: str | None = None
    plugin: str | None = None
    override: bool = False

    @property
    def origin(self) -> str:
        """``"retinue-openai 0.1.0 (plugin 'openai')"``, for messages."""
        dist = f"{self.distribution} {self.version or ''}".strip() if self.distribution else None
        plugin = f"plugin {self.plugin!r}"
        return f"{dist} ({plugin})" if dist else plugin


class Registry:
    """Providers of every kind, filled from a plugin manager's provider hooks.

    Args:
        plugin_manager: the manager whose plugins register providers (default: the
            process-wide one from :func:`retinue.get_plugin_manager`).
    """

    def __init__(self, plugin_manager: PluginManager | None = None) -> None:
        self.plugin_manager = plugin_manager if plugin_manager is not None else get_plugin_manager()
        self._claims: dict[tuple[str, str], ProviderInfo] = {}
        self._conflicts: dict[tuple[str, str], str] = {}
        self._registered: dict[str, list[ProviderInfo]] = {}
        self._loaded: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        for record in list(self.plugin_manager.records):
            if record.status == "ok":
                self._add_plugin(record)

    # --- building ----------------------------------------------------------

    def _add_plugin(self, record: PluginRecord) -> None:
        pending: list[ProviderInfo] = []
        for hook_name, kinds in PROVIDER_HOOKS.items():
            for owner, impl in self.plugin_manager.hookimpls(hook_name):
                if owner is not record:
                    continue
                register = _Registrar(record, kinds, pending)
                ok, _ = self.plugin_manager.call_isolated(record, impl, register=register)
                if not ok:
                    return  # a plugin that raised contributes nothing
        self._registered[record.name] = pending
        for info in pending:
            self._claim_provider(record, info)

    def _claim_provider(self, record: PluginRecord, info: ProviderInfo) -> None:
        for key in (info.name, *info.aliases):
            slot = (info.kind, key)
            current = self._claims.get(slot)
            if current is None or (current.name == info.name and current.plugin == info.plugin):
                self._claims[slot] = info
            elif info.override and not current.override:
                logger.info("%s overrides %s for %s %r", info.origin, current.origin, *slot)
                self._drop(current)
                self._conflicts.pop(slot, None)
                self._claims[slot] = info
            elif current.override and not info.override:
                logger.info("%s is overridden by %s for %s %r", info.origin, current.origin, *slot)
            else:
                message = (
                    f"the {info.kind} provider name {key!r} is registered by both "
                    f"{current.origin} and {info.origin}; uninstall one, block one with "
                    f"RETINUE_BLOCK_PLUGINS, or make one register it with override=True"
                )
                self._conflicts[slot] = message
                self.plugin_manager.fail(record, message, error_type=ProviderConflictError)
                if key == info.name:
                    return  # the rejected provider claims none of its aliases

    def _drop(self, info: ProviderInfo) -> None:
        for slot in [slot for slot, claimed in self._claims.items() if claimed is info]:
            del self._claims[slot]

    # --- lookups -----------------------------------------------------------

    def providers(self, kind: str | None = None) -> list[ProviderInfo]:
        """Every usable provider (of ``kind``, or of all kinds), sorted by kind then name."""
        if kind is not None:
            _check_kind(kind)
        unique = {
            (info.kind, info.name): info
            for slot, info in self._claims.items()
            if slot[1] == info.name
            and (kind is None or info.kind == kind)
            and slot not in self._conflicts
        }
        return sorted(unique.values(), key=lambda info: (KINDS.index(info.kind), info.name))

    def names(self, kind: str) -> list[str]:
        """The provider names of one kind, sorted."""
        return [info.name for info in self.providers(kind)]

    @property
    def conflicts(self) -> list[str]:
        """Messages about provider names claimed by two plugins (lookups of them fail)."""
        return sorted(set(self._conflicts.values()))

    def registered_by(self, plugin: str) -> dict[str, list[str]]:
        """The providers a plugin registered, kind -> names (including rejected ones)."""
        by_kind: dict[str, list[str]] = {}
        for info in self._registered.get(plugin, []):
            by_kind.setdefault(info.kind, []).append(info.name)
        return by_kind

    def get(self, kind: str | None, name: str) -> ProviderInfo:
        """The provider registered as ``name`` (or alias); ``kind=None`` searches every kind.

        Raises:
            ProviderNotFoundError: nothing of that kind is registered under ``name``.
            ProviderConflictError: two plugins claim ``name``.
            ConfigurationError: ``kind`` is unknown, or ``kind=None`` and several kinds match.
        """
        if kind is None:
            kind = self._kind_of(name)
        _check_kind(kind)
        slot = (kind, name)
        if slot in self._conflicts:
            raise ProviderConflictError(self._conflicts[slot])
        info = self._claims.get(slot)
        if info is None:
            raise ProviderNotFoundError(self._not_found_message(kind, name))
        if (kind, info.name) in self._conflicts:
            raise ProviderConflictError(self._conflicts[kind, info.name])
        return info

    def load(
        self, kind: str | None, name: str, *, allow_imports: Sequence[str] | None = None
    ) -> Any:
        """Return the target (usually a class) of a provider, importing it on first use.

        Args:
            kind: one of :data:`retinue.KINDS`, or ``None`` to search every kind.
            name: a provider name or alias.
            allow_imports: module prefixes whose dotted paths may be imported although
                no plugin registered them (added to ``RETINUE_COMPONENT_ALLOWLIST``).

        Raises:
            ProviderNotFoundError: no such provider, and the name is not an allowed dotted path.
            PluginError: the registered target cannot be imported.
        """
        try:
            info = self.get(kind, name)
        except ProviderNotFoundError:
            if _DOTTED.match(name) and _is_allowed(name, allow_imports):
                return _import_dotted(name)
            raise
        key = (info.kind, info.name)
        with self._lock:
            if key not in self._loaded:
                self._loaded[key] = self._import_target(info)
            return self._loaded[key]

    def create(self, kind: str | None, name: str, /, **config: Any) -> Any:
        """Build an instance: the provider's target called with ``config`` as keyword arguments.

        To build from a serialized config (with secrets as ``{"env": ...}``), use
        :func:`retinue.load_component`.

        Raises:
            ConfigurationError: ``config`` does not fit the target's parameters.
        """
        target = self.load(kind, name)
        if not callable(target):
            raise ConfigurationError(
                f"provider {name!r} resolves to {target!r}, which cannot be called to build "
                "an instance"
            )
        try:
            signature = inspect.signature(target)
        except (TypeError, ValueError):
            signature = None  # builtins without introspectable signatures: just call
        if signature is not None:
            try:
                signature.bind(**config)
            except TypeError as exc:
                accepted = ", ".join(signature.parameters) or "none"
                raise ConfigurationError(
                    f"cannot create {name!r} ({_qualname(target)}) with "
                    f"{sorted(config)}: {exc}; accepted parameters: {accepted}"
                ) from exc
        return target(**config)

    def _kind_of(self, name: str) -> str:
        kinds = sorted(
            {kind for (kind, key) in (*self._claims, *self._conflicts) if key == name},
            key=KINDS.index,
        )
        if len(kinds) > 1:
            raise ConfigurationError(
                f"the provider name {bounded_repr(name)} is registered for several kinds "
                f"({', '.join(kinds)}); "
                "pass the kind explicitly"
            )
        if not kinds:
            raise ProviderNotFoundError(self._not_found_message(None, name))
        return kinds[0]

    def _not_found_message(self, kind: str | None, name: str) -> str:
        what = f"{kind} provider" if kind else "provider of any kind"
        lines = [f"no {what} named {bounded_repr(name)} is registered."]
        elsewhere = [k for k in KINDS if k != kind and (k, name) in self._claims]
        if kind is not None and elsewhere:
            # Installed, just under another kind: no install hint, the kind is the fix.
            kinds = " and ".join(elsewhere)
            lines.append(
                f"{bounded_repr(name)} is registered as kind {kinds}, not {kind}: "
                f"set kind: {elsewhere[0]} in its spec (or leave kind out)."
            )
            return " ".join(lines)
        if not _DOTTED.match(name):  # a typo; a dotted path names a class, not a near miss
            names = sorted({key for (k, key) in self._claims if kind is None or k == kind})
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            if close:
                lines.append(f"Did you mean {close[0]!r}?")
        if kind is not None:
            lines.append(f"Available {kind} providers: {', '.join(self.names(kind)) or 'none'}.")
        lines += self._where_to_get(name)
        return " ".join(lines)

    def _where_to_get(self, name: str) -> list[str]:
        """Where a provider that no plugin registered can come from, if anywhere."""
        # Deferred: listing plugins imports the registry and must not import pydantic.
        from .components import autogen_not_ported_advice

        advice = autogen_not_ported_advice(name)
        if advice is not None:
            return [advice + "."]
        distribution = _first_party_distribution(name)
        if distribution is not None:
            record = next(
                (
                    record
                    for record in self.plugin_manager.records
                    if record.distribution and normalize_name(record.distribution) == distribution
                ),
                None,
            )
            if record is None:
                return [f"It is provided by {distribution}: pip install {distribution}"]
            if record.status != "ok":
                return [
                    f"It is provided by {distribution}, which is installed but did not load "
                    f"({record.status}); run 'retinue plugins' to see why"
                ]
            return [
                f"{distribution} {record.version or ''} is installed but does not register "
                f"it; upgrade it: pip install --upgrade {distribution}"
            ]
        if name.startswith(("autogen_ext.", "autogen_agentchat.", "autogen_core.")):
            return [
                "retinue has no port of this AutoGen class yet; 'retinue components' lists "
                "what the installed plugins provide."
            ]
        if _DOTTED.match(name) and len(_module_of(name)) <= ECHO_LIMIT:
            return [
                f"To import this dotted path although no plugin registered it, trust its "
                f"module: set {ALLOWLIST_ENV}={_module_of(name)} (comma-separated module "
                f"prefixes) or pass allow_imports=[{_module_of(name)!r}] to load_component or "
                "Registry.load"
            ]
        return []

    def _import_target(self, info: ProviderInfo) -> Any:
        if not isinstance(info.target, str):
            return info.target
        module_name, _, attr_path = info.target.partition(":")
        try:
            value: Any = importlib.import_module(module_name)
            for attr in attr_path.split("."):
                value = getattr(value, attr)
        except Exception as exc:
            fix = f"reinstall {info.distribution}" if info.distribution else "fix the plugin"
            raise PluginError(
                f"the {info.kind} provider {info.name!r} of {info.origin} could not import "
                f"its target {info.target!r}: {type(exc).__name__}: {exc}; {fix} "
                "(with its dependencies)"
            ) from exc
        return value


class _Registrar:
    """The ``register`` callable one plugin's provider hook receives."""

    def __init__(self, record: PluginRecord, kinds: tuple[str, ...], sink: list[ProviderInfo]):
        self._record = record
        self._kinds = kinds
        self._sink = sink

    def __call__(
        self,
        name: str,
        target: Any,
        *,
        aliases: Iterable[str] = (),
        capabilities: Iterable[str] = (),
        description: str | None = None,
        override: bool = False,
        kind: str | None = None,
    ) -> None:
        kind = self._kinds[0] if kind is None else kind
        if kind not in self._kinds:
            raise PluginError(
                f"cannot register {name!r} as kind {kind!r} from this hook; "
                f"it registers: {', '.join(self._kinds)}"
            )
        for key in (name, *aliases):
            if not isinstance(key, str) or not _NAME.match(key):
                raise PluginError(
                    f"invalid provider name or alias {key!r} for {kind} {name!r}: use letters, "
                    "digits, '_', '-' and '.'"
                )
        if isinstance(target, str) and not _TARGET.match(target):
            raise PluginError(
                f"invalid target {target!r} for {kind} {name!r}: expected 'package.module:Attr'"
            )
        if target is None:
            raise PluginError(f"no target given for {kind} {name!r}")
        if description is None and not isinstance(target, str):
            description = _doc_head(target)
        self._sink.append(
            ProviderInfo(
                kind=kind,
                name=name,
                target=target,
                aliases=tuple(dict.fromkeys(aliases)),
                capabilities=frozenset(capabilities),
                description=description,
                distribution=self._record.distribution,
                version=self._record.version,
                plugin=self._record.name,
                override=override,
            )
        )


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ConfigurationError(
            f"unknown kind {bounded_repr(kind)}; expected one of: {', '.join(KINDS)}"
        )


def _doc_head(target: Any) -> str | None:
    doc = inspect.getdoc(target)
    return doc.strip().split("\n\n", 1)[0].replace("\n", " ") if doc else None


def _qualname(target: Any) -> str:
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', target)}"


def _first_party_distribution(name: str) -> str | None:
    short = name.rsplit(".", 1)[-1].rsplit(":", 1)[-1]
    for prefix, distribution in _FIRST_PARTY_PREFIXES.items():
        if name.startswith(prefix):
            return distribution
    return FIRST_PARTY_PROVIDERS.get(name) or (
        FIRST_PARTY_PROVIDERS.get(short) if short[:1].isupper() else None
    )


def _module_of(path: str) -> str:
    return path.split(":", 1)[0] if ":" in path else path.rsplit(".", 1)[0]


def _allowlist(extra: Sequence[str] | None) -> list[str]:
    from_env = [part.strip() for part in os.environ.get(ALLOWLIST_ENV, "").split(",")]
    return [prefix for prefix in (*from_env, *(extra or ())) if prefix]


def _is_allowed(path: str, extra: Sequence[str] | None) -> bool:
    dotted = path.replace(":", ".")
    for prefix in _allowlist(extra):
        if prefix.endswith("."):
            if dotted.startswith(prefix):
                return True
        elif dotted == prefix or dotted.startswith(prefix + "."):
            return True
    return False


def _import_dotted(path: str) -> Any:
    module_name, _, attr = path.partition(":") if ":" in path else path.rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ProviderNotFoundError(
            f"the allowed dotted path {path!r} could not be imported: {type(exc).__name__}: {exc}"
        ) from exc


_registry: Registry | None = None
_registry_lock = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry, built from :func:`retinue.get_plugin_manager` on first use."""
    global _registry
    with _registry_lock:
        if _registry is None:
            _registry = Registry(get_plugin_manager())
        return _registry


def create(kind: str | None, name: str, /, **config: Any) -> Any:
    """Build a provider's instance: ``retinue.create("model_client", "openai", model="gpt-4o")``."""
    return get_registry().create(kind, name, **config)
