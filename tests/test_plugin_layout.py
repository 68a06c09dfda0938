"""Every plugin distribution in the repository has the shape the extension template generates.

The expected shape is taken from a freshly rendered template (as a workspace
member), so the template and the first-party plugins cannot drift apart: change
one, and this test says what the other lacks.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from retinue._new import FIRST_PARTY_PLUGINS, kernel_range, render_extension, validate_extension

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the workspace runs on 3.11
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
PLUGIN_DIRS = sorted(
    path.parent
    for group in ("plugins", "contrib")
    for path in REPO.glob(f"{group}/*/pyproject.toml")
)
KERNEL_REQUIREMENT = re.compile(r"^retinue\s*>=\s*(\d+\.\d+)\s*,\s*<\s*[\d.]+$")


def layout_of(project: Path, name: str | None = None) -> dict[str, Any]:
    """The facts about a distribution that the template fixes, with its own name factored out.

    ``name`` is the plugin name; inside the workspace it is the folder's name.
    """
    name = name or project.name
    package = "retinue_" + name.replace("-", "_")
    data = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    meta = data.get("project", {})
    requirements = [r for r in meta.get("dependencies", []) if re.match(r"retinue\s*[<>=!~]", r)]
    requirement = requirements[0].replace(" ", "") if len(requirements) == 1 else None
    match = KERNEL_REQUIREMENT.match(requirement or "")
    readme = project / "README.md"
    return {
        "distribution name is retinue-<name>": meta.get("name") == f"retinue-{name}",
        "has its own version": bool(re.match(r"^\d+(\.\d+)*", str(meta.get("version", "")))),
        "requires-python": meta.get("requires-python"),
        "retinue entry point -> <package>.plugin": data.get("project", {})
        .get("entry-points", {})
        .get("retinue")
        == {name: f"{package}.plugin"},
        "kernel range is retinue>=X.Y,<NEXT": bool(match)
        and requirement == kernel_range(match.group(1)).replace(" ", "")
        if match
        else False,
        "build backend": data.get("build-system", {}).get("build-backend"),
        "wheel packages": data.get("tool", {})
        .get("hatch", {})
        .get("build", {})
        .get("targets", {})
        .get("wheel", {})
        .get("packages")
        == [f"src/{package}"],
        "kernel from the workspace": data.get("tool", {})
        .get("uv", {})
        .get("sources", {})
        .get("retinue")
        == {"workspace": True},
        "README.md has the pip install line": readme.is_file()
        and f"pip install retinue-{name}" in readme.read_text(encoding="utf-8"),
        "CHANGELOG.md": (project / "CHANGELOG.md").is_file(),
        "src/<package>/__init__.py": (project / "src" / package / "__init__.py").is_file(),
        "src/<package>/plugin.py": (project / "src" / package / "plugin.py").is_file(),
        "tests/": (project / "tests").is_dir(),
    }


@pytest.fixture(scope="module")
def template_layout(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workspace = tmp_path_factory.mktemp("workspace")
    (workspace / "pyproject.toml").write_text(
        '[tool.uv.workspace]\nmembers = ["kernel", "plugins/*", "contrib/*"]\n'
    )
    (workspace / "plugins").mkdir()
    rendered = render_extension(validate_extension("layout-probe", "tool"), workspace / "plugins")
    layout = layout_of(rendered)
    # The template itself must satisfy every rule, or the comparison proves nothing.
    assert all(value not in (False, None) for value in layout.values()), layout
    return layout


def test_the_repository_has_plugins() -> None:
    assert PLUGIN_DIRS, "no plugins/*/pyproject.toml found"


@pytest.mark.parametrize("plugin", PLUGIN_DIRS, ids=[p.name for p in PLUGIN_DIRS])
def test_plugin_has_the_template_shape(plugin: Path, template_layout: dict[str, Any]) -> None:
    layout = layout_of(plugin)
    drift = {
        rule: layout[rule] for rule, expected in template_layout.items() if layout[rule] != expected
    }
    assert not drift, f"{plugin.relative_to(REPO)} differs from the extension template: {drift}"


@pytest.mark.parametrize(
    "plugin", [p for p in PLUGIN_DIRS if p.parent.name == "plugins"], ids=lambda p: p.name
)
def test_first_party_plugin_names_are_reserved(plugin: Path) -> None:
    assert plugin.name in FIRST_PARTY_PLUGINS, (
        f"add {plugin.name!r} to retinue._new.FIRST_PARTY_PLUGINS so third parties cannot "
        "generate a plugin with the same name"
    )


def test_a_standalone_render_has_its_own_ci_and_noxfile(
    tmp_path: Path, template_layout: dict[str, Any]
) -> None:
    rendered = render_extension(validate_extension("layout-probe", "tool"), tmp_path)
    assert (rendered / "noxfile.py").is_file()
    assert (rendered / ".github" / "workflows" / "ci.yml").is_file()
    layout = layout_of(rendered, name="layout-probe")
    # Outside the workspace the kernel comes from the package index; all else is the same.
    assert layout.pop("kernel from the workspace") is False
    assert layout == {rule: value for rule, value in template_layout.items() if rule in layout}
