"""The documentation site builds with warnings as errors, and its links are checked."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PLUGIN_READMES = sorted(
    path for group in ("plugins", "contrib") for path in REPO.glob(f"{group}/*/README.md")
)


def _build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(config),
            "--site-dir",
            str(site),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    built = _build(REPO / "mkdocs.yml", site)
    assert built.returncode == 0, f"mkdocs build --strict failed:\n{built.stdout}\n{built.stderr}"
    return site


def test_site_has_the_getting_started_and_template_pages(site: Path) -> None:
    assert "Two commands" in (site / "index.html").read_text(encoding="utf-8")
    assert "retinue new extension" in (site / "plugin-template" / "index.html").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("readme", PLUGIN_READMES, ids=[p.parent.name for p in PLUGIN_READMES])
def test_every_plugin_readme_is_a_page(site: Path, readme: Path) -> None:
    page = site / "plugins" / readme.parent.name / "index.html"
    assert page.is_file(), f"no site page for {readme.relative_to(REPO)}"
    assert f"retinue-{readme.parent.name}" in page.read_text(encoding="utf-8")


def test_the_hook_reference_is_generated_from_the_hookspecs(site: Path) -> None:
    from retinue import hookspecs

    page = (site / "hooks" / "index.html").read_text(encoding="utf-8")
    for name in hookspecs.__all__:
        if name.startswith("retinue_"):
            assert name in page, f"{name} is missing from the hook reference"


def test_the_build_scripts_are_not_published(site: Path) -> None:
    assert not list(site.rglob("*.py"))


def test_a_broken_internal_link_fails_the_build(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(REPO / "docs", docs)
    (docs / "index.md").write_text(
        (docs / "index.md").read_text(encoding="utf-8") + "\nSee [the missing page](nowhere.md).\n",
        encoding="utf-8",
    )
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    config = config.replace("docs_dir: docs", f"docs_dir: {docs}").replace(
        "  - docs/_hooks/", f"  - {REPO}/docs/_hooks/"
    )
    (tmp_path / "mkdocs.yml").write_text(config, encoding="utf-8")
    built = _build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert built.returncode != 0
    assert "nowhere.md" in built.stdout + built.stderr
