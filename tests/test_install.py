"""Installing without PyPI: the README's first command, wheels built into dist/,
installs from dist/ and from the checkout, and the release workflow's tag rules.

Fresh environments are pinned to the workspace's versions, so uv mostly serves them
from its cache; like the compatibility matrix, they may fetch from the package index.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import release_target  # noqa: E402

TASK = "How many words are in 'the quick brown fox', and what is 2**10?"
pytestmark = pytest.mark.slow


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=env, cwd=REPO, **kwargs
    )
    assert result.returncode == 0, f"{shlex.join(command)}\n{result.stdout}\n{result.stderr}"
    return result


def _fresh_venv(path: Path) -> Path:
    _run(["uv", "venv", "--quiet", "--python", sys.executable, str(path)])
    return path / "bin"


@pytest.fixture(scope="module")
def pinned(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Pin fresh installs to the workspace's versions (which uv's cache holds)."""
    freeze = _run(["uv", "pip", "freeze", "--python", sys.executable, "--exclude-editable"])
    constraints = tmp_path_factory.mktemp("pins") / "constraints.txt"
    constraints.write_text(freeze.stdout, encoding="utf-8")
    return ["--constraint", str(constraints)]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(["bash", "scripts/build-dists.sh", str(out)])
    return out


def test_build_dists_makes_a_wheel_and_an_sdist_of_every_distribution(dist: Path) -> None:
    built = {path.name for path in dist.iterdir()}
    for name, (_folder, version) in release_target.distributions().items():
        stem = f"{name.replace('-', '_')}-{version}"
        assert {f"{stem}-py3-none-any.whl", f"{stem}.tar.gz"} <= built


def test_the_main_job_runs_from_wheels_in_dist(
    dist: Path, pinned: list[str], tmp_path: Path
) -> None:
    # docs/install.md: pip install --find-links dist retinue-agentchat retinue-local
    bin_dir = _fresh_venv(tmp_path / "venv")
    _run(["uv", "pip", "install", "--quiet", "--python", str(bin_dir / "python"),
          "--find-links", str(dist), *pinned, "retinue-agentchat", "retinue-local"])  # fmt: skip
    result = _run([str(bin_dir / "retinue"), "run", "examples/coding_team.yaml", "--task", TASK])
    assert "Text 'TERMINATE' mentioned" in result.stdout


def test_a_plugin_installs_straight_from_the_checkout(pinned: list[str], tmp_path: Path) -> None:
    # docs/install.md: pip install ./kernel ./plugins/local
    bin_dir = _fresh_venv(tmp_path / "venv")
    _run(["uv", "pip", "install", "--quiet", "--python", str(bin_dir / "python"),
          *pinned, "./kernel", "./plugins/local"])  # fmt: skip
    listing = _run([str(bin_dir / "retinue"), "plugins"]).stdout
    assert "retinue-local" in listing


def _readme_first_command() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^pip install uv && (.+)$", readme, flags=re.MULTILINE)
    assert commands, "README.md lost its two commands"
    return commands[0]


def test_the_readme_first_command_installs_only_what_the_main_job_needs(tmp_path: Path) -> None:
    command = _readme_first_command()
    assert command.startswith("uv run retinue run "), command
    env_dir = tmp_path / "env"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(env_dir)}
    env.pop("VIRTUAL_ENV", None)

    def bash(line: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["bash", "-c", line], capture_output=True, text=True, timeout=300, cwd=REPO, env=env
        )
        assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
        return result

    assert "Text 'TERMINATE' mentioned" in bash(command).stdout
    site = env_dir.glob("lib/python*/site-packages/*.dist-info")
    installed = {path.name.split("-")[0].lower() for path in site}
    assert {"retinue", "retinue_agentchat", "retinue_local", "pyyaml"} <= installed
    # No developer toolchain, no provider SDK.
    assert not installed & {"pytest", "mypy", "ruff", "nox", "mkdocs", "openai", "anthropic"}
    # The README's next commands, written `uv run retinue ...`, work in that environment.
    assert "retinue-agentchat" in bash("uv run retinue plugins").stdout


def test_every_distribution_has_a_release_tag() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/release.yml").read_text("utf-8"))
    patterns = workflow[True]["push"]["tags"]  # YAML 1.1 reads the key `on` as True
    for name, (folder, version) in release_target.distributions().items():
        tag = f"{name}-v{version}"
        assert any(fnmatch.fnmatchcase(tag, pattern) for pattern in patterns), tag
        assert release_target.resolve(tag) == (name, folder, version)


def test_a_tag_for_another_version_or_no_distribution_is_refused() -> None:
    with pytest.raises(ValueError, match="bump the version"):
        release_target.resolve("retinue-openai-v99.0.0")
    with pytest.raises(ValueError, match="names no distribution"):
        release_target.resolve("retinue-nosuch-v0.1.0")
    with pytest.raises(ValueError, match="is not <distribution>-v<version>"):
        release_target.resolve("v0.1.0")


def test_the_release_job_publishes_with_trusted_publishing_only(tmp_path: Path) -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/release.yml").read_text("utf-8"))
    publish = workflow["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    step = publish["steps"][-1]
    assert step["uses"].startswith("pypa/gh-action-pypi-publish@")
    assert "password" not in step.get("with", {})  # no stored token


def test_the_release_check_wants_exactly_one_wheel_and_one_sdist(tmp_path: Path) -> None:
    name, _folder, version = release_target.resolve("retinue-local-v0.1.0")
    (tmp_path / f"retinue_local-{version}-py3-none-any.whl").touch()
    assert release_target.check_dist(name, version, tmp_path) == [
        f"missing retinue_local-{version}.tar.gz"
    ]
    (tmp_path / f"retinue_local-{version}.tar.gz").touch()
    assert release_target.check_dist(name, version, tmp_path) == []
    (tmp_path / "retinue-0.1.0-py3-none-any.whl").touch()
    assert release_target.check_dist(name, version, tmp_path) == [
        "unexpected retinue-0.1.0-py3-none-any.whl"
    ]
