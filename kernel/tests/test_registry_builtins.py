"""Every builtin provider resolves to the class other kernel modules define."""

from __future__ import annotations

import pytest
from retinue import Component
from retinue.plugins import PluginManager
from retinue.registry import ProviderInfo, Registry


def builtin_registry() -> Registry:
    manager = PluginManager(strict=True)
    manager.load_builtins()
    return Registry(manager)


@pytest.mark.parametrize("info", builtin_registry().providers(), ids=lambda info: info.name)
def test_builtin_provider_resolves_to_a_component_of_its_kind(info: ProviderInfo) -> None:
    registry = builtin_registry()
    target = registry.load(info.kind, info.name)
    assert isinstance(target, type)
    if issubclass(target, Component):
        assert target.component_kind == info.kind
    for alias in info.aliases:
        assert registry.load(info.kind, alias) is target
