"""Registry lookups, lazy targets, create(), load_component and the import allowlist."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from plugin_fixtures import PluginSite
from pydantic import BaseModel
from retinue import (
    Component,
    ComponentLoadError,
    ConfigurationError,
    PluginError,
    ProviderNotFoundError,
    hookimpl,
    load_component,
)
from retinue.hookspecs import Register
from retinue.plugins import PluginManager
from retinue.registry import Registry


class LimitConfig(BaseModel):
    limit: int


class LimitTermination(Component[LimitConfig]):
    """Stops after a number of messages."""

    component_kind = "termination"
    component_provider = "limit"
    component_config_schema = LimitConfig

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def _to_config(self) -> LimitConfig:
        return LimitConfig(limit=self.limit)

    @classmethod
    def _from_config(cls, config: LimitConfig) -> LimitTermination:
        return cls(config.limit)


class ConditionsPlugin:
    @hookimpl
    def retinue_register_termination_conditions(self, register: Register) -> None:
        register(
            "limit",
            LimitTermination,
            aliases=["autogen_agentchat.conditions.MaxMessageTermination", "Limit"],
            capabilities={"stateful"},
        )


class LazyPlugin:
    @hookimpl
    def retinue_register_tools(self, register: Register) -> None:
        register("lazy", "retinue_lazyprobe.tool:Probe", description="imported on first use")
        register("missing", "retinue_nowhere.module:Thing")
        register("bench", "collections:OrderedDict", kind="workbench")

    @hookimpl
    def retinue_register_memories(self, register: Register) -> None:
        register("bench", "collections:OrderedDict")


def make_registry(*plugins: object) -> Registry:
    manager = PluginManager(strict=False)
    for index, plugin in enumerate(plugins):
        manager.add_plugin(plugin, f"plugin{index}", distribution=f"dist-{index}", version="1.2")
    return Registry(manager)


@pytest.fixture
def probe_site(tmp_path: Path) -> Any:
    with PluginSite(tmp_path) as site:
        site.add_distribution(
            "retinue-lazyprobe",
            files={
                "retinue_lazyprobe/__init__.py": "",
                "retinue_lazyprobe/tool.py": "IMPORTS = []\nIMPORTS.append(1)\nclass Probe:\n"
                "    def __init__(self, depth=1):\n        self.depth = depth\n",
            },
        )
        yield site


def test_lookup_by_name_alias_and_any_kind() -> None:
    registry = make_registry(ConditionsPlugin())
    info = registry.get("termination", "limit")
    assert (info.distribution, info.version, info.plugin) == ("dist-0", "1.2", "plugin0")
    assert info.capabilities == {"stateful"}
    assert info.description == "Stops after a number of messages."
    assert registry.load("termination", "Limit") is LimitTermination
    assert (
        registry.load(None, "autogen_agentchat.conditions.MaxMessageTermination")
        is LimitTermination
    )
    assert registry.names("termination") == ["limit"]
    assert [p.name for p in registry.providers()] == ["limit"]


def test_targets_are_imported_on_first_use_and_cached(probe_site: PluginSite) -> None:
    registry = make_registry(LazyPlugin())
    assert registry.get("tool", "lazy").target == "retinue_lazyprobe.tool:Probe"
    assert "retinue_lazyprobe.tool" not in sys.modules
    probe = registry.load("tool", "lazy")
    assert registry.load("tool", "lazy") is probe
    assert sys.modules["retinue_lazyprobe.tool"].IMPORTS == [1]


def test_unknown_name_lists_what_is_available_and_what_to_install() -> None:
    registry = make_registry(ConditionsPlugin())
    with pytest.raises(ProviderNotFoundError) as caught:
        registry.load("termination", "max_message")
    message = str(caught.value)
    assert "no termination provider named 'max_message'" in message
    assert "Available termination providers: limit." in message
    assert "pip install retinue-agentchat" in message
    assert registry.load("termination", "limit") is LimitTermination  # still works afterwards


@pytest.mark.parametrize(
    ("kind", "name", "distribution"),
    [
        ("model_client", "openai", "retinue-openai"),
        ("model_client", "azure_openai", "retinue-openai"),
        ("model_client", "gemini", "retinue-gemini"),
        ("model_client", "anthropic", "retinue-anthropic"),
        ("code_executor", "docker", "retinue-docker"),
        ("code_executor", "aca", "retinue-aca"),
        ("workbench", "mcp", "retinue-mcp"),
        ("runtime", "grpc", "retinue-grpc"),
        ("team", "magentic_one", "retinue-magentic-one"),
        ("model_client", "autogen_ext.models.openai.OpenAIChatCompletionClient", "retinue-openai"),
        ("team", "autogen_agentchat.teams.RoundRobinGroupChat", "retinue-agentchat"),
    ],
)
def test_first_party_names_say_which_distribution_to_install(
    kind: str, name: str, distribution: str
) -> None:
    with pytest.raises(ProviderNotFoundError, match=f"pip install {distribution}$"):
        make_registry().load(kind, name)


def test_a_name_of_another_kind_is_pointed_out() -> None:
    registry = make_registry(ConditionsPlugin())
    with pytest.raises(
        ProviderNotFoundError, match="'limit' is registered as kind termination, not tool"
    ):
        registry.load("tool", "limit")


def test_unknown_kind_and_ambiguous_kind_are_configuration_errors() -> None:
    registry = make_registry(LazyPlugin())
    with pytest.raises(ConfigurationError, match=r"unknown kind 'model'.*model_client"):
        registry.load("model", "lazy")
    with pytest.raises(ConfigurationError, match=r"several kinds \(workbench, memory\)"):
        registry.load(None, "bench")
    assert registry.load("memory", "bench").__name__ == "OrderedDict"


def test_a_target_that_fails_to_import_names_plugin_and_provider() -> None:
    registry = make_registry(LazyPlugin())
    with pytest.raises(PluginError) as caught:
        registry.load("tool", "missing")
    message = str(caught.value)
    assert "tool provider 'missing' of dist-0 1.2 (plugin 'plugin0')" in message
    assert "No module named 'retinue_nowhere'" in message
    assert "reinstall dist-0" in message


def test_create_calls_the_target_with_config(probe_site: PluginSite) -> None:
    registry = make_registry(LazyPlugin())
    assert registry.create("tool", "lazy", depth=3).depth == 3
    with pytest.raises(
        ConfigurationError, match=r"cannot create 'lazy'.*accepted parameters: depth"
    ):
        registry.create("tool", "lazy", width=3)


def test_load_component_resolves_autogen_aliases() -> None:
    registry = make_registry(ConditionsPlugin())
    spec = {
        "provider": "autogen_agentchat.conditions.MaxMessageTermination",
        "component_type": "termination",
        "config": {"limit": 5},
    }
    condition = load_component(spec, registry=registry)
    assert isinstance(condition, LimitTermination)
    assert condition.limit == 5


def test_unregistered_dotted_path_is_refused_with_how_to_allow(tmp_path: Path) -> None:
    registry = make_registry()
    with pytest.raises(ProviderNotFoundError) as caught:
        registry.load("tool", "collections.OrderedDict")
    message = str(caught.value)
    assert "allow_imports=['collections'] to load_component or Registry.load" in message
    assert "RETINUE_COMPONENT_ALLOWLIST=collections" in message
    with pytest.raises(ComponentLoadError, match="RETINUE_COMPONENT_ALLOWLIST"):
        load_component({"provider": "collections.OrderedDict", "kind": "tool"}, registry=registry)


def test_load_component_imports_an_allowed_dotted_provider() -> None:
    spec = {
        "provider": "test_registry_lookup.LimitTermination",
        "kind": "termination",
        "config": {"limit": 2},
    }
    registry = make_registry()
    with pytest.raises(ComponentLoadError, match="allow_imports"):
        load_component(spec, registry=registry)
    condition = load_component(spec, registry=registry, allow_imports=["test_registry_lookup"])
    assert condition.limit == 2


@pytest.mark.parametrize("allowed", ["collections", "collections.", "collections.OrderedDict"])
def test_allow_imports_argument_opts_in(allowed: str) -> None:
    registry = make_registry()
    assert registry.load("tool", "collections.OrderedDict", allow_imports=[allowed]).__name__ == (
        "OrderedDict"
    )
    assert registry.load("tool", "collections:OrderedDict", allow_imports=[allowed])


def test_allowlist_environment_variable_opts_in(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = make_registry()
    monkeypatch.setenv("RETINUE_COMPONENT_ALLOWLIST", "json, collections")
    assert registry.load("tool", "collections.OrderedDict").__name__ == "OrderedDict"
    with pytest.raises(ProviderNotFoundError, match="allow_imports"):
        registry.load("tool", "collectionsx.OrderedDict")  # a prefix of a name is not its module
    with pytest.raises(ProviderNotFoundError, match="could not be imported"):
        registry.load("tool", "collections.NoSuchThing")


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("register('', 'collections:OrderedDict')", "invalid provider name or alias ''"),
        ("register('x y', 'collections:OrderedDict')", "invalid provider name or alias 'x y'"),
        ("register('ok', 'collections.OrderedDict')", "expected 'package.module:Attr'"),
        ("register('ok', None)", "no target given"),
        ("register('ok', 'a:b', kind='agent')", "cannot register 'ok' as kind 'agent'"),
        ("register('ok', 'a:b', aliases=[3])", "invalid provider name or alias 3"),
    ],
)
def test_bad_registrations_fail_the_plugin_only(call: str, error: str) -> None:
    class BadPlugin:
        @hookimpl
        def retinue_register_tools(self, register: Register) -> None:
            eval(call, {"register": register})

    manager = PluginManager(strict=False)
    manager.add_plugin(BadPlugin(), "bad")
    manager.add_plugin(ConditionsPlugin(), "good")
    registry = Registry(manager)
    assert manager.get_record("bad").status == "error"
    assert error in (manager.get_record("bad").error or "")
    assert registry.load("termination", "limit") is LimitTermination


def test_module_level_create_and_get_registry_use_the_process_registry() -> None:
    import retinue

    registry = retinue.get_registry()
    assert registry is retinue.get_registry()
    assert "or" in registry.names("termination")
    with pytest.raises(ProviderNotFoundError, match="no tool provider named 'nope'"):
        retinue.create("tool", "nope")
