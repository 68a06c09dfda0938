"""Isolated registries for tests: builtins plus the plugins a test names, no discovery."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .._markers import hookimpl
from ..hookspecs import PROVIDER_HOOKS, Register
from ..plugins import PluginManager
from ..registry import Registry

__all__ = ["ProvidersPlugin", "isolated_registry"]

_HOOK_OF_KIND = {kind: hook for hook, kinds in PROVIDER_HOOKS.items() for kind in kinds}


@dataclass
class _Entry:
    kind: str
    name: str
    target: Any
    aliases: tuple[str, ...]
    capabilities: tuple[str, ...]


@dataclass
class ProvidersPlugin:
    """A plugin object that registers the providers added to it, for tests.

    >>> plugin = ProvidersPlugin().add("tool", "echo", "mypkg.tools:Echo", aliases=["Echo"])
    >>> registry = isolated_registry(plugin)  # doctest: +SKIP
    """

    entries: list[_Entry] = field(default_factory=list)

    def add(
        self,
        kind: str,
        name: str,
        target: Any,
        *,
        aliases: Iterable[str] = (),
        capabilities: Iterable[str] = (),
    ) -> ProvidersPlugin:
        """Register ``target`` as the ``kind`` provider ``name``; returns ``self`` to chain."""
        self.entries.append(_Entry(kind, name, target, tuple(aliases), tuple(capabilities)))
        return self

    def _register(self, hook: str, register: Register) -> None:
        for entry in self.entries:
            if _HOOK_OF_KIND.get(entry.kind) == hook:
                register(
                    entry.name,
                    entry.target,
                    kind=entry.kind,
                    aliases=entry.aliases,
                    capabilities=entry.capabilities,
                )

    @hookimpl
    def retinue_register_model_clients(self, register: Register) -> None:
        self._register("retinue_register_model_clients", register)

    @hookimpl
    def retinue_register_tools(self, register: Register) -> None:
        self._register("retinue_register_tools", register)

    @hookimpl
    def retinue_register_code_executors(self, register: Register) -> None:
        self._register("retinue_register_code_executors", register)

    @hookimpl
    def retinue_register_runtimes(self, register: Register) -> None:
        self._register("retinue_register_runtimes", register)

    @hookimpl
    def retinue_register_agents(self, register: Register) -> None:
        self._register("retinue_register_agents", register)

    @hookimpl
    def retinue_register_teams(self, register: Register) -> None:
        self._register("retinue_register_teams", register)

    @hookimpl
    def retinue_register_termination_conditions(self, register: Register) -> None:
        self._register("retinue_register_termination_conditions", register)

    @hookimpl
    def retinue_register_model_contexts(self, register: Register) -> None:
        self._register("retinue_register_model_contexts", register)

    @hookimpl
    def retinue_register_memories(self, register: Register) -> None:
        self._register("retinue_register_memories", register)


def isolated_registry(*plugins: object, builtins: bool = True) -> Registry:
    """A registry with the kernel's builtins (unless ``builtins=False``) and ``plugins``.

    Installed plugins are not discovered, and plugin failures raise, so a test sees
    exactly the providers it set up.  Pass it as ``load_component(..., registry=...)``.
    """
    manager = PluginManager(strict=True)
    if builtins:
        manager.load_builtins()
    for index, plugin in enumerate(plugins):
        manager.add_plugin(plugin, f"test-plugin-{index}")
    return Registry(manager)
