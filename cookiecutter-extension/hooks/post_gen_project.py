"""Keep only the implementation of the chosen kind.

Inside the retinue workspace the repository's own noxfile and CI cover the new
distribution, so the standalone ones are removed: a workspace member then has
exactly the shape of the first-party plugins.
"""

import shutil
from pathlib import Path

KIND = "{{ cookiecutter.kind }}"
WORKSPACE_MEMBER = "{{ cookiecutter.__workspace_member }}" == "yes"
PACKAGE = Path("src") / "{{ cookiecutter.__package }}"
MODULES_BY_KIND = {
    "model_client": ["_client.py"],
    "tool": ["_tool.py", "_workbench.py"],
    "code_executor": ["_executor.py"],
    "runtime": ["_runtime.py"],
    "agent": ["_agent.py"],
    "team": ["_team.py"],
    "termination": ["_termination.py"],
}

for kind, modules in MODULES_BY_KIND.items():
    if kind != KIND:
        for module in modules:
            (PACKAGE / module).unlink()

if WORKSPACE_MEMBER:
    Path("noxfile.py").unlink()
    shutil.rmtree(".github")
