"""Validate the answers before anything is rendered.

The rules live in the kernel (``retinue._new``), so ``retinue new extension`` and a
direct ``cookiecutter`` run give the same messages.  Cookiecutter removes the
half-created project when this hook fails.
"""

import json
import sys

CONTEXT = json.loads(r"""{{ cookiecutter | jsonify }}""")

try:
    from retinue import RetinueError
    from retinue._new import validate_context
except ImportError:
    sys.exit(
        "error: this template validates its answers with the retinue kernel; install it next "
        "to cookiecutter (pip install 'retinue[new]') or run: retinue new extension"
    )

try:
    validate_context(CONTEXT)
except RetinueError as exc:
    sys.exit(f"error: {exc}")
