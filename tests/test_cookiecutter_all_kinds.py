"""The extension template, end to end, for every kind it offers (every kind in
``retinue.KINDS``).

For each kind: render a standalone plugin into a temporary directory, install it
into a fresh virtual environment next to the kernel built from ``kernel/`` (and
retinue-agentchat when the kind needs it), check ``retinue plugins --json`` lists
it with status ``ok``, run the generated project's own tests, which must pass, and
run the Python example of its README.
Each kind gets its own environment, so each plugin is shown to load on its own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from retinue._new import KIND_CHOICES, render_extension, validate_extension

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
TEST_TOOLS = ["pytest>=8", "pytest-asyncio>=0.24"]


@dataclass
class KindRun:
    """What happened when one kind's plugin was rendered, installed and tested."""

    kind: str
    project: Path
    plugins_json: list[dict[str, object]]
    pytest_output: str
    pytest_returncode: int
    example: subprocess.CompletedProcess[str]


def _clean_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RETINUE_")}
    env.pop("VIRTUAL_ENV", None)
    env["UV_PYTHON_DOWNLOADS"] = "never"
    return env


def _run(command: list[str | Path], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=False,
        # generous: a wheel build or install takes seconds; only a hang gets near it
        timeout=600,
    )


def _checked(command: list[str | Path], cwd: Path | None = None) -> str:
    result = _run(command, cwd)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _build_wheel(source: Path, out_dir: Path) -> Path:
    _checked(["uv", "build", "--wheel", "--out-dir", out_dir, source])
    name = source.name if source.name != "kernel" else "retinue"
    prefix = "retinue" if name == "retinue" else f"retinue_{name}"
    wheels = sorted(out_dir.glob(f"{prefix}-*.whl"))
    assert wheels, f"no wheel for {source} in {out_dir}"
    return wheels[-1]


def _render(kind: str, root: Path) -> Path:
    work = root / kind
    work.mkdir()
    return render_extension(validate_extension(f"probe-{kind.replace('_', '-')}", kind), work)


def _install_and_test(kind: str, project: Path, wheels: dict[str, Path]) -> KindRun:
    venv = project.parent / "venv"
    _checked(["uv", "venv", "--quiet", "--python", sys.executable, venv])
    python = venv / "bin" / "python"
    requirements = [wheels["kernel"], project, *TEST_TOOLS]
    # The generated pyproject says whether the kind needs retinue-agentchat (agents, teams).
    if '"retinue-agentchat' in (project / "pyproject.toml").read_text(encoding="utf-8"):
        requirements.append(wheels["agentchat"])
    _checked(["uv", "pip", "install", "--quiet", "--python", python, *requirements])
    listing = _checked([venv / "bin" / "retinue", "plugins", "--json"])
    tests = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=project)
    example = _run([python, "-c", _readme_example(project)], cwd=project.parent)
    return KindRun(
        kind, project, json.loads(listing), tests.stdout + tests.stderr, tests.returncode, example
    )


def _readme_example(project: Path) -> str:
    readme = (project / "README.md").read_text(encoding="utf-8")
    match = re.search(r"## Example\s+```python\n(.*?)```", readme, re.DOTALL)
    assert match, f"the README of {project.name} has no Python example"
    return match.group(1)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, KindRun]:
    if shutil.which("uv") is None:
        pytest.fail("uv is needed to build fresh environments: pip install uv")
    root = tmp_path_factory.mktemp("all-kinds")
    wheel_dir = root / "wheels"
    wheels = {
        "kernel": _build_wheel(REPO / "kernel", wheel_dir),
        "agentchat": _build_wheel(REPO / "plugins" / "agentchat", wheel_dir),
    }
    # cookiecutter changes the working directory while rendering, so render one at a time.
    projects = {kind: _render(kind, root) for kind in KIND_CHOICES}
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {
            kind: pool.submit(_install_and_test, kind, project, wheels)
            for kind, project in projects.items()
        }
        return {kind: future.result() for kind, future in futures.items()}


@pytest.mark.parametrize("kind", KIND_CHOICES)
def test_generated_plugin_is_listed_ok(kind: str, runs: dict[str, KindRun]) -> None:
    name = f"probe-{kind.replace('_', '-')}"
    listed = {entry["name"]: entry for entry in runs[kind].plugins_json}
    assert name in listed, f"retinue plugins --json does not list {name}: {sorted(listed)}"
    assert listed[name]["status"] == "ok", listed[name]
    assert listed[name]["distribution"] == f"retinue-{name}"
    others = [n for n, e in listed.items() if not e.get("builtin") and n not in (name, "agentchat")]
    assert not others, f"the environment for {kind} should hold only its own plugin: {others}"


@pytest.mark.parametrize("kind", KIND_CHOICES)
def test_generated_tests_pass(kind: str, runs: dict[str, KindRun]) -> None:
    run = runs[kind]
    assert run.pytest_returncode == 0, f"generated tests failed for {kind}:\n{run.pytest_output}"
    assert " passed" in run.pytest_output and "skipped" not in run.pytest_output


@pytest.mark.parametrize("kind", KIND_CHOICES)
def test_the_readme_example_runs(kind: str, runs: dict[str, KindRun]) -> None:
    example = runs[kind].example
    assert example.returncode == 0, (
        f"the README example of the {kind} plugin failed:\n{example.stdout}\n{example.stderr}"
    )


def test_installed_kernel_ships_the_template(
    runs: dict[str, KindRun], tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A kernel installed from its wheel (no source checkout around it) still renders
    # plugins: the template travels inside the package.
    venv = runs["tool"].project.parent / "venv"
    _checked(
        ["uv", "pip", "install", "--quiet", "--python", venv / "bin" / "python", "cookiecutter"]
    )
    outside = tmp_path_factory.mktemp("outside-any-checkout")
    _checked(
        [
            venv / "bin" / "retinue",
            "new",
            "extension",
            "from-wheel",
            "--kind",
            "termination",
            "--no-input",
            "-o",
            outside,
        ],
        cwd=outside,
    )
    project = outside / "retinue-from-wheel"
    assert (project / "src" / "retinue_from_wheel" / "plugin.py").is_file()
    assert "retinue_from_wheel.plugin" in (project / "pyproject.toml").read_text(encoding="utf-8")
