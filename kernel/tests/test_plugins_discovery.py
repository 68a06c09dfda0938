"""Plugin discovery against real installed distributions (dist-info + packages on sys.path)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from plugin_fixtures import PluginSite
from retinue import PluginError, ProviderConflictError, ProviderNotFoundError
from retinue.plugins import PluginManager
from retinue.registry import Registry

ECHO_PLUGIN = """
from retinue import hookimpl

@hookimpl
def retinue_register_tools(register):
    register("echo", "retinue_echo.tool:EchoTool", aliases=["EchoTool"], description="Echoes")
"""
ECHO_TOOL = """
class EchoTool:
    def __init__(self, prefix=""):
        self.prefix = prefix
"""


def tools_plugin(provider: str, *, override: bool = False) -> str:
    return f"""
from retinue import hookimpl

@hookimpl
def retinue_register_tools(register):
    register({provider!r}, "collections:OrderedDict", override={override})
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PluginSite]:
    for name in (
        "RETINUE_PLUGINS",
        "RETINUE_BLOCK_PLUGINS",
        "RETINUE_STRICT_PLUGINS",
        "RETINUE_DISABLE_PLUGIN_AUTOLOAD",
    ):
        monkeypatch.delenv(name, raising=False)
    with PluginSite(tmp_path / "site") as plugin_site:
        yield plugin_site


def discover(*sites: PluginSite, strict: bool | None = None) -> tuple[PluginManager, Registry]:
    """Discover the plugins of ``sites`` only, not the ones installed in this environment."""
    manager = PluginManager(strict=strict)
    manager.load_entrypoints(paths=[str(site.root) for site in sites])
    return manager, Registry(manager)


def add_echo(site: PluginSite, **kwargs: object) -> None:
    site.add_plugin("echo", ECHO_PLUGIN, extra_files={"tool.py": ECHO_TOOL}, **kwargs)  # type: ignore[arg-type]


def test_discovered_plugin_registers_lazily_and_records_its_distribution(site: PluginSite) -> None:
    add_echo(site, version="0.1.3")
    manager, registry = discover(site)
    record = manager.get_record("echo")
    assert (record.status, record.distribution, record.version) == ("ok", "retinue-echo", "0.1.3")
    assert record.entry_point == "retinue_echo.plugin"
    info = registry.get("tool", "echo")
    assert (info.distribution, info.version, info.plugin) == ("retinue-echo", "0.1.3", "echo")
    assert "retinue_echo.tool" not in sys.modules  # discovery imports plugin.py only
    assert registry.load("tool", "EchoTool")().prefix == ""
    assert "retinue_echo.tool" in sys.modules


def test_a_distribution_installed_twice_is_loaded_once(site: PluginSite, tmp_path: Path) -> None:
    add_echo(site, version="0.1.0")
    with PluginSite(tmp_path / "second") as second:
        add_echo(second, version="0.1.9")
        manager, registry = discover(second, site)
    echo_records = [r for r in manager.records if r.distribution == "retinue-echo"]
    assert [(r.status, r.version) for r in echo_records] == [("ok", "0.1.9")]
    assert registry.get("tool", "echo").version == "0.1.9"


def test_malformed_entry_point_is_recorded_and_the_rest_works(site: PluginSite) -> None:
    site.add_plugin("bad", tools_plugin("bad"), entry_point="not a module!")
    add_echo(site)
    manager, registry = discover(site)
    record = manager.get_record("bad")
    assert record.status == "error"
    assert "malformed entry point" in (record.error or "")
    assert "retinue-bad" in (record.error or "")
    assert registry.names("tool").count("echo") == 1


def test_plugin_that_raises_on_import_is_recorded_and_the_rest_works(site: PluginSite) -> None:
    site.add_plugin("boom", "raise RuntimeError('cannot start: missing licence file')\n")
    add_echo(site)
    manager, registry = discover(site)
    record = manager.get_record("boom")
    assert record.status == "error"
    assert "RuntimeError: cannot start: missing licence file" in (record.error or "")
    assert "RETINUE_BLOCK_PLUGINS=boom" in (record.error or "")
    assert registry.get("tool", "echo").plugin == "echo"


def test_hook_that_raises_contributes_nothing_and_the_rest_works(site: PluginSite) -> None:
    site.add_plugin(
        "flaky",
        """
from retinue import hookimpl

@hookimpl
def retinue_register_tools(register):
    register("half", "collections:OrderedDict")
    raise KeyError("settings")
""",
    )
    add_echo(site)
    manager, registry = discover(site)
    record = manager.get_record("flaky")
    assert record.status == "error"
    assert "hook retinue_register_tools raised KeyError" in (record.error or "")
    with pytest.raises(ProviderNotFoundError):
        registry.get("tool", "half")
    assert registry.get("tool", "echo").name == "echo"


@pytest.mark.parametrize(
    "requirement", ["retinue>=0.2,<0.3", "retinue (>=0.2,<0.3)", "retinue~=0.0.5", "retinue==0.0.*"]
)
def test_plugin_for_another_kernel_is_incompatible_and_never_imported(
    site: PluginSite, requirement: str
) -> None:
    site.add_plugin(
        "future", "raise AssertionError('must not be imported')\n", requires=[requirement]
    )
    add_echo(site)
    manager, registry = discover(site)
    record = manager.get_record("future")
    assert record.status == "incompatible"
    assert "the running kernel is 0.1.0" in (record.error or "")
    assert "retinue_future" not in sys.modules
    assert "echo" in registry.names("tool")


@pytest.mark.parametrize(
    "requires",
    [
        ["retinue>=0.1,<0.2"],
        ["retinue[yaml] (>=0.1,<0.2) ; python_version >= '3.8'"],
        ["retinue>=0.1,<0.2", 'retinue>=9 ; extra == "future"'],
        ["Retinue~=0.1"],
        [],
    ],
)
def test_matching_or_absent_kernel_requirements_load(site: PluginSite, requires: list[str]) -> None:
    add_echo(site, requires=requires)
    manager, _ = discover(site)
    assert manager.get_record("echo").status == "ok"


def test_unreadable_kernel_requirement_is_an_error(site: PluginSite) -> None:
    add_echo(site, requires=["retinue>=banana"])
    manager, _ = discover(site)
    record = manager.get_record("echo")
    assert record.status == "error"
    assert "cannot read its requirement on retinue" in (record.error or "")


def test_duplicate_provider_names_conflict_naming_both_distributions(site: PluginSite) -> None:
    site.add_plugin("first", tools_plugin("shared"))
    site.add_plugin("second", tools_plugin("shared"))
    add_echo(site)
    manager, registry = discover(site)
    with pytest.raises(ProviderConflictError) as caught:
        registry.load("tool", "shared")
    assert "retinue-first 0.1.0" in str(caught.value)
    assert "retinue-second 0.1.0" in str(caught.value)
    assert "override=True" in str(caught.value)
    assert manager.get_record("second").status == "error"
    assert "shared" not in registry.names("tool")
    assert registry.load("tool", "echo").__name__ == "EchoTool"


def test_strict_mode_raises_on_a_conflict(site: PluginSite) -> None:
    site.add_plugin("first", tools_plugin("shared"))
    site.add_plugin("second", tools_plugin("shared"))
    with pytest.raises(ProviderConflictError, match="retinue-first"):
        discover(site, strict=True)


@pytest.mark.parametrize("order", [("base", "custom"), ("custom", "base")])
def test_override_replaces_a_provider_whatever_the_order(
    site: PluginSite, order: tuple[str, str]
) -> None:
    sources = {"base": tools_plugin("shared"), "custom": tools_plugin("shared", override=True)}
    for name in order:
        site.add_plugin(name, sources[name])
    manager, registry = discover(site)
    assert registry.get("tool", "shared").distribution == "retinue-custom"
    assert {r.status for r in manager.records if r.distribution in sources} <= {"ok"}


def test_blocked_plugin_is_listed_and_not_imported(
    site: PluginSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.add_plugin("spy", "raise AssertionError('must not be imported')\n")
    add_echo(site)
    monkeypatch.setenv("RETINUE_BLOCK_PLUGINS", "retinue-spy, other")
    manager, registry = discover(site)
    record = manager.get_record("spy")
    assert (record.status, record.error) == ("blocked", "blocked by RETINUE_BLOCK_PLUGINS")
    assert "retinue_spy" not in sys.modules
    assert "echo" in registry.names("tool")


def test_only_listed_plugins_load(site: PluginSite, monkeypatch: pytest.MonkeyPatch) -> None:
    site.add_plugin("spy", "raise AssertionError('must not be imported')\n")
    add_echo(site)
    monkeypatch.setenv("RETINUE_PLUGINS", "echo")
    manager, registry = discover(site)
    assert manager.get_record("spy").status == "blocked"
    assert manager.get_record("spy").error == "not listed in RETINUE_PLUGINS"
    assert manager.get_record("echo").status == "ok"
    assert "echo" in registry.names("tool")


def test_disabled_autoload_discovers_nothing(
    site: PluginSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_echo(site)
    monkeypatch.setenv("RETINUE_DISABLE_PLUGIN_AUTOLOAD", "1")
    manager, registry = discover(site)
    assert manager.records == []
    assert registry.providers() == []


def test_strict_mode_from_the_environment_raises_on_import_failure(
    site: PluginSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.add_plugin("boom", "raise RuntimeError('broken')\n")
    monkeypatch.setenv("RETINUE_STRICT_PLUGINS", "1")
    monkeypatch.setenv("RETINUE_PLUGINS", "boom")
    with pytest.raises(PluginError, match=r"plugin 'boom' \(retinue-boom 0.1.0\).*broken"):
        discover(site)


def test_strict_mode_raises_for_an_incompatible_plugin(site: PluginSite) -> None:
    site.add_plugin("future", tools_plugin("f"), requires=["retinue>=1.0"])
    with pytest.raises(PluginError, match=r"requires retinue>=1\.0"):
        discover(site, strict=True)


def test_misspelled_hook_is_an_error(site: PluginSite) -> None:
    site.add_plugin(
        "typo",
        """
from retinue import hookimpl

@hookimpl
def retinue_register_tool(register):
    register("typo", "collections:OrderedDict")
""",
    )
    manager, _ = discover(site)
    record = manager.get_record("typo")
    assert record.status == "error"
    assert "unknown hooks ['retinue_register_tool']" in (record.error or "")


def test_two_distributions_with_one_entry_point_name(site: PluginSite) -> None:
    for suffix, provider in (("a", "one"), ("b", "two")):
        site.add_distribution(
            f"retinue-echo-{suffix}",
            entry_points={"retinue": {"echo": f"echo_{suffix}"}},
            files={f"echo_{suffix}.py": tools_plugin(provider)},
        )
    manager, registry = discover(site)
    winner, loser = sorted(manager.records, key=lambda record: record.status != "ok")
    assert (winner.status, loser.status) == ("ok", "error")
    assert f"already used by {winner.distribution} 0.1.0" in (loser.error or "")
    assert registry.names("tool") == ["one" if winner.distribution == "retinue-echo-a" else "two"]


def test_the_process_wide_manager_is_built_on_first_use_not_on_import() -> None:
    code = (
        "import retinue, retinue.plugins as p, retinue.registry as r\n"
        "assert p._manager is None and r._registry is None\n"
        "assert retinue.get_plugin_manager() is retinue.get_plugin_manager()\n"
        "assert retinue.get_registry().plugin_manager is retinue.get_plugin_manager()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
