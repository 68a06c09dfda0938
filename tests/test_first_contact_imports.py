"""A first program's imports load only what its first lines need, and build no model schema.

``from retinue_agentchat.agents import AssistantAgent``, ``from retinue_agentchat.teams
import RoundRobinGroupChat`` and ``from retinue_openai import OpenAIChatCompletionClient``
are what an AutoGen program starts with.  They must not import the OpenAI SDK or its HTTP
stack (the client imports them when it is built), the OpenTelemetry SDK, the other agents
and teams, or the plugin system; and no pydantic model may build its validator at import
(``defer_build``): building the first one also makes pydantic scan every installed
distribution for plugins (``importlib.metadata``).  ``bench/import_time.py`` measures the
time; this test guards the module set, which does not depend on the machine's load.
"""

from __future__ import annotations

import json
import subprocess
import sys

FIRST_CONTACT = (
    "from retinue_agentchat.agents import AssistantAgent\n"
    "from retinue_agentchat.teams import RoundRobinGroupChat\n"
    "from retinue_openai import OpenAIChatCompletionClient\n"
)

NOT_AT_IMPORT = (
    "openai",
    "httpx",
    "httpcore",
    "anyio",
    "opentelemetry.sdk",
    "importlib.metadata",
    "pluggy",
    "retinue.plugins",
    "retinue.registry",
    "retinue_agentchat.agents._code_executor_agent",
    "retinue_agentchat.agents._message_filter_agent",
    "retinue_agentchat.agents._society_of_mind_agent",
    "retinue_agentchat.agents._user_proxy_agent",
    "retinue_agentchat.teams._graph",
    "retinue_agentchat.teams._selector",
    "retinue_agentchat.teams._swarm",
    "retinue_agentchat.conditions",
)

EVERY_PUBLIC_NAME = """
import importlib
for package in (
    "retinue", "retinue.chat", "retinue.models", "retinue.tools", "retinue.code",
    "retinue.runtime", "retinue_agentchat", "retinue_agentchat.agents",
    "retinue_agentchat.teams", "retinue_agentchat.conditions", "retinue_openai",
):
    module = importlib.import_module(package)
    for name in module.__all__:
        getattr(module, name)
"""

REPORT = """
import json, sys
from pydantic import BaseModel

def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)

built = sorted(
    f"{cls.__module__}.{cls.__qualname__}"
    for cls in set(subclasses(BaseModel))
    if cls.__module__.startswith("retinue") and cls.__pydantic_complete__
)
print(json.dumps({"modules": sorted(sys.modules), "built": built}))
"""


def probe(imports: str = FIRST_CONTACT) -> dict[str, list[str]]:
    """The modules loaded and the retinue models built after ``imports``, in a new process."""
    done = subprocess.run(
        [sys.executable, "-c", imports + REPORT],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report: dict[str, list[str]] = json.loads(done.stdout)
    return report


def test_first_contact_imports_load_no_sdk_plugin_system_or_other_agents() -> None:
    loaded = [
        module
        for module in probe()["modules"]
        if any(module == name or module.startswith(f"{name}.") for name in NOT_AT_IMPORT)
    ]
    assert not loaded, (
        f"importing AssistantAgent, RoundRobinGroupChat and OpenAIChatCompletionClient loaded "
        f"{loaded}; import these on first use instead"
    )


def test_first_contact_imports_build_no_pydantic_schema() -> None:
    built = probe()["built"]
    assert not built, (
        f"these models built their validators at import: {built}; give them "
        f"model_config = ConfigDict(defer_build=True) (or defer the TypeAdapter) so the "
        f"schema is built on first use"
    )


def test_no_public_class_of_the_kernel_agentchat_or_openai_builds_a_schema_at_import() -> None:
    built = probe(EVERY_PUBLIC_NAME)["built"]
    assert not built, (
        f"these models built their validators when their module was imported: {built}; "
        f"give them model_config = ConfigDict(defer_build=True)"
    )
