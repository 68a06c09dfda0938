"""The ``retinue`` command, run as a subprocess against real installed test plugins."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from plugin_fixtures import PluginSite
from retinue import __version__

HELLO_PLUGIN = """
from retinue import hookimpl

@hookimpl
def retinue_register_tools(register):
    register("hello_tool", "retinue_hello.tool:HelloTool", description="Says hello")

@hookimpl
def retinue_register_commands(subparsers):
    parser = subparsers.add_parser("hello", help="greet")
    parser.add_argument("who")
    parser.set_defaults(handler=_hello)

def _hello(args):
    print(f"hello {args.who}")
    return 3
"""


@pytest.fixture
def site(tmp_path: Path) -> PluginSite:
    plugin_site = PluginSite(tmp_path / "site")
    plugin_site.add_plugin(
        "hello", HELLO_PLUGIN, extra_files={"tool.py": "import json\nclass HelloTool: pass\n"}
    )
    plugin_site.add_plugin("broken", "raise ImportError('needs a newer SDK')\n")
    return plugin_site


def retinue(site: PluginSite, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = site.env()
    for name in list(environment):
        if name.startswith("RETINUE_"):
            del environment[name]
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "retinue.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_plugins_json_lists_status_and_providers(site: PluginSite) -> None:
    result = retinue(site, "plugins", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["hello"] == {
        "name": "hello",
        "distribution": "retinue-hello",
        "version": "0.1.0",
        "entry_point": "retinue_hello.plugin",
        "status": "ok",
        "error": None,
        "builtin": False,
        "providers": {"tool": ["hello_tool"]},
    }
    assert rows["broken"]["status"] == "error"
    assert "ImportError: needs a newer SDK" in rows["broken"]["error"]
    assert rows["retinue.builtins"]["providers"]["runtime"] == ["inprocess"]
    assert {row["status"] for row in rows.values()} <= {"ok", "error", "incompatible", "blocked"}


def test_plugins_table_shows_every_plugin_and_the_errors(site: PluginSite) -> None:
    result = retinue(site, "plugins", RETINUE_BLOCK_PLUGINS="hello")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "DISTRIBUTION", "VERSION", "STATUS", "PROVIDERS"]
    assert any(line.split()[:4] == ["hello", "retinue-hello", "0.1.0", "blocked"] for line in lines)
    assert "broken (error): failed to import retinue_broken.plugin" in result.stdout


def test_listing_plugins_imports_no_provider_target_nor_sdk(site: PluginSite) -> None:
    code = (
        "import sys\n"
        "from retinue.cli import main\n"
        "main(['plugins', '--json'])\n"
        "heavy = ('retinue_hello.tool', 'pydantic', 'retinue.chat', 'retinue.models',\n"
        "    'retinue.components', 'openai', 'anthropic', 'google.genai', 'mcp', 'docker')\n"
        "sys.stderr.write('LOADED=' + ','.join(m for m in heavy if m in sys.modules))\n"
    )
    environment = site.env()
    environment["RETINUE_PLUGINS"] = "hello"
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.rsplit("LOADED=", 1)[1] == ""


def test_listing_every_installed_plugin_imports_no_sdk(site: PluginSite) -> None:
    code = (
        "import sys\n"
        "from retinue.cli import main\n"
        "main(['plugins', '--json'])\n"
        "sdks = ('openai', 'anthropic', 'google.genai', 'mcp', 'docker', 'grpc',\n"
        "    'langchain_core', 'playwright', 'autogen_core')\n"
        "sys.stderr.write('LOADED=' + ','.join(m for m in sdks if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=site.env(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.rsplit("LOADED=", 1)[1] == ""


def test_components_lists_providers_of_a_kind(site: PluginSite) -> None:
    result = retinue(site, "components", "tool", "--json")
    assert result.returncode == 0, result.stderr
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["hello_tool"]["distribution"] == "retinue-hello"
    assert rows["hello_tool"]["description"] == "Says hello"
    assert {row["kind"] for row in rows.values()} == {"tool"}
    table = retinue(site, "components", "termination")
    assert table.returncode == 0
    assert any(
        line.split()[:3] == ["termination", "or", "retinue"] for line in table.stdout.splitlines()
    )


def test_components_with_an_unknown_kind_lists_the_kinds(site: PluginSite) -> None:
    result = retinue(site, "components", "model")
    assert result.returncode == 2
    assert "invalid choice: 'model'" in result.stderr
    assert "model_client" in result.stderr


def test_plugin_contributed_subcommand_runs(site: PluginSite) -> None:
    result = retinue(site, "hello", "world")
    assert (result.returncode, result.stdout) == (3, "hello world\n")


@pytest.mark.parametrize(
    ("command", "distribution"), [("run", "retinue-agentchat"), ("m1", "retinue-magentic-one")]
)
def test_missing_first_party_command_names_the_distribution(
    site: PluginSite, command: str, distribution: str
) -> None:
    result = retinue(site, command, "team.json", RETINUE_DISABLE_PLUGIN_AUTOLOAD="1")
    assert result.returncode == 2
    assert f"pip install {distribution}" in result.stderr


def test_unknown_command_is_an_argparse_error(site: PluginSite) -> None:
    result = retinue(site, "frobnicate")
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate'" in result.stderr


def test_version(site: PluginSite) -> None:
    result = retinue(site, "--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"retinue {__version__}")


def test_strict_mode_still_lets_plugins_be_listed_but_refuses_other_commands(
    site: PluginSite,
) -> None:
    listing = retinue(site, "plugins", "--json", RETINUE_STRICT_PLUGINS="1")
    assert listing.returncode == 0, listing.stderr
    assert {row["name"]: row["status"] for row in json.loads(listing.stdout)}["broken"] == "error"
    command = retinue(site, "hello", "x", RETINUE_STRICT_PLUGINS="1")
    assert command.returncode == 1
    assert "retinue: error: plugin 'broken'" in command.stderr


def test_doctor_reports_problems_from_metadata_with_fixes(tmp_path: Path) -> None:
    site = PluginSite(tmp_path / "doctor")
    site.add_plugin("future", "raise AssertionError('imported')\n", requires=["retinue>=0.5,<0.6"])
    site.add_plugin("loose", "", requires=["retinue>=0.1"])
    site.add_plugin("bare", "", requires=[])
    site.add_plugin("odd", "", entry_point="odd entry point")
    site.add_distribution(
        "retinue-ghost", entry_points={"retinue": {"ghost": "retinue_ghost.plugin"}}
    )
    result = retinue(site, "plugins", "doctor", "--json", "--path", str(site.root))
    assert result.returncode == 1, result.stderr
    findings = {(f["distribution"], f["severity"]): f for f in json.loads(result.stdout)}
    assert "requires retinue>=0.5,<0.6" in findings["retinue-future", "problem"]["problem"]
    assert "no upper bound" in findings["retinue-loose", "warning"]["problem"]
    assert "no requirement on retinue" in findings["retinue-bare", "problem"]["problem"]
    assert '"retinue>=0.1,<0.2"' in findings["retinue-bare", "problem"]["fix"]
    assert "malformed entry point" in findings["retinue-odd", "problem"]["problem"]
    assert "not installed" in findings["retinue-ghost", "problem"]["problem"]
    assert all(finding["fix"] for finding in findings.values())


def test_doctor_passes_a_healthy_site_and_reports_a_shadowed_copy(tmp_path: Path) -> None:
    first = PluginSite(tmp_path / "first")
    first.add_plugin("hello", HELLO_PLUGIN)
    healthy = retinue(first, "plugins", "doctor", "--path", str(first.root))
    assert (healthy.returncode, healthy.stdout.strip()) == (0, "No problems found.")
    second = PluginSite(tmp_path / "second")
    second.add_plugin("hello", HELLO_PLUGIN, version="0.1.1")
    shadowed = retinue(
        first, "plugins", "doctor", "--path", str(first.root), "--path", str(second.root)
    )
    assert shadowed.returncode == 1
    assert "PROBLEM retinue-hello: installed 2 times" in shadowed.stdout


def test_json_before_the_doctor_subcommand_still_means_json(tmp_path: Path) -> None:
    site = PluginSite(tmp_path / "site")
    site.add_plugin("hello", HELLO_PLUGIN)
    for args in (("plugins", "--json", "doctor"), ("plugins", "doctor", "--json")):
        done = retinue(site, *args, "--path", str(site.root))
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == [], f"{args} did not print JSON: {done.stdout!r}"
