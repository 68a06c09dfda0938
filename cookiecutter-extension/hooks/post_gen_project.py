"""Keep only the implementation of the chosen kind.

Inside the retinue workspace the repository's own noxfile and CI cover the new
distribution, so the standalone ones are removed: a workspace member then has
exactly the shape of the first-party plugins.
"""

import json
import shutil
from pathlib import Path

MODULES = json.loads(r"""{{ cookiecutter.kind | module_files | jsonify }}""")
KEEP = {"__init__.py", "plugin.py", *MODULES}
WORKSPACE_MEMBER = "{{ cookiecutter.__workspace_member }}" == "yes"
PACKAGE = Path("src") / "{{ cookiecutter.__package }}"

for module in PACKAGE.glob("*.py"):
    if module.name not in KEEP:
        module.unlink()

if WORKSPACE_MEMBER:
    Path("noxfile.py").unlink()
    shutil.rmtree(".github")
