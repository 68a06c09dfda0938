"""Listing plugins with every first-party plugin installed imports no SDK and no model code.

The kernel's own test proves this with small test plugins; this one runs the real
``retinue plugins --json`` over the workspace's real distributions, so a plugin whose
package ``__init__`` or commands hook imports its implementation is caught.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "openai",
    "anthropic",
    "httpx",
    "pydantic",
    "opentelemetry.sdk",
    "retinue_agentchat.agents",
)

PROBE = """
import contextlib, io, json, sys
from retinue.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["plugins", "--json"])
report = {"code": code, "plugins": json.loads(out.getvalue()), "modules": sorted(sys.modules)}
print(json.dumps(report))
"""


def test_plugins_listing_imports_nothing_heavy() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    report = json.loads(done.stdout)
    assert report["code"] == 0
    names = {plugin["name"] for plugin in report["plugins"]}
    assert {"openai", "anthropic", "gemini", "agentchat", "local"} <= names
    assert all(plugin["status"] == "ok" for plugin in report["plugins"]), report["plugins"]
    loaded = [m for m in report["modules"] if m.startswith(HEAVY)]
    assert not loaded, f"`retinue plugins` imported {loaded}; keep plugin.py and __init__ lazy"
