"""Ship the extension template inside the kernel, so ``retinue new extension`` works after
``pip install retinue``.

The template lives at the repository root (``cookiecutter-extension/``), outside this
distribution's folder; an sdist carries a copy at its own root.  Wheels built from
either place get it as ``retinue/_extension_template``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

TEMPLATE = "cookiecutter-extension"


class ExtensionTemplateHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        for source in (root.parent / TEMPLATE, root / TEMPLATE):
            if (source / "cookiecutter.json").is_file():
                break
        else:
            raise FileNotFoundError(
                f"the extension template ({TEMPLATE}/) was not found next to {root}; build "
                "the kernel from a retinue checkout or from its sdist"
            )
        target = "retinue/_extension_template" if self.target_name == "wheel" else TEMPLATE
        build_data["force_include"][str(source)] = target
