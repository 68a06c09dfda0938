"""The plugin of docs/writing-plugins.md, ``examples/echo_plugin/``, used without installing it.

    python examples/echo_plugin.py

Loads ``retinue_echo.plugin`` into a registry of its own (what an installed plugin gets
through its entry point), creates the ``echo`` tool by provider name and runs it, runs
the plugin's ``echo`` subcommand, and runs the plugin's conformance tests with pytest.
To install it for real instead: ``pip install -e examples/echo_plugin``; then
``retinue components tool`` lists ``echo`` and ``retinue echo hi`` prints ``hi``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from pathlib import Path

from retinue import CancellationToken
from retinue.plugins import PluginManager
from retinue.registry import Registry

PROJECT = Path(__file__).resolve().with_name("echo_plugin")
sys.path.insert(0, str(PROJECT / "src"))

from retinue_echo import plugin  # noqa: E402  (importable once src/ is on the path)


async def main() -> int:
    """Use the plugin's tool and command, then run its tests; the tests' exit status."""
    manager = PluginManager(strict=True)
    manager.add_plugin(plugin, "echo")
    registry = Registry(manager)
    info = registry.get("tool", "echo")
    print(f"{info.kind} {info.name!r} -> {info.target} (registered, not imported yet)")

    tool = registry.create("tool", "echo")  # imports retinue_echo._tool only now
    print(await tool.run_json({"text": "hello from the tool"}, CancellationToken()))

    parser = argparse.ArgumentParser(prog="retinue")
    manager.register_commands(parser.add_subparsers())
    arguments = parser.parse_args(["echo", "hello from the command"])
    assert arguments.handler(arguments) == 0

    # The conformance suite, as the plugin's own CI runs it.
    environment = {**os.environ, "PYTHONPATH": str(PROJECT / "src")}
    tests = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    return subprocess.run(tests, cwd=PROJECT, env=environment, timeout=300).returncode


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
