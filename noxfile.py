"""The compatibility matrix: every distribution x Python 3.10-3.13 x kernel minimum/current.

    uv run nox -s ci       # the fast subset CI runs
    uv run nox -s matrix   # the full matrix; rewrites docs/compatibility.md
    uv run nox -l          # every session

A ``tests`` session installs one distribution into a fresh virtual environment
(never the workspace's), with the kernel either at the lowest version the
distribution declares (``kernel='min'``) or at the workspace version
(``kernel='current'``), and runs that distribution's own tests.

The minimum kernel really is installed: when it equals the workspace kernel's
version (always the case during 0.x, where a plugin's range is
``retinue>=0.Y,<0.(Y+1)`` and the workspace is at ``0.Y.*``) it is built from
``kernel/``; otherwise ``retinue==<min>`` comes from the package index.  The
distribution's other dependencies are resolved to their lowest allowed versions
(``--resolution lowest-direct``) in ``min`` sessions.

Pythons come from the machine (pyenv or PATH) and are never downloaded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import nox

if sys.version_info >= (3, 11):
    import tomllib
else:  # nox depends on tomli on older Pythons
    import tomli as tomllib

ROOT = Path(__file__).parent
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
CI_PYTHON_CURRENT = "3.11"
CI_PYTHON_MIN = "3.10"
CI_PYTHON_NEWEST = "3.13"
KERNEL_MODES = ("min", "current")
TEST_TOOLS = [
    "pytest>=8.3",
    "pytest-asyncio>=0.24",
    "pytest-timeout>=2.3",
    "opentelemetry-sdk>=1.27",
    "pyyaml>=6",
]
COMPATIBILITY_PAGE = ROOT / "docs" / "compatibility.md"

nox.options.default_venv_backend = "uv"
nox.options.download_python = "never"
nox.options.sessions = ["ci"]
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")


def _expose_pyenv_pythons() -> None:
    """Make every pyenv-installed 3.10-3.13 visible, since only pyenv's default is active."""
    if os.environ.get("PYENV_VERSION") or shutil.which("pyenv") is None:
        return
    listed = subprocess.run(
        ["pyenv", "versions", "--bare"], capture_output=True, text=True, check=False
    ).stdout.split()
    wanted = [v for v in listed if any(re.fullmatch(rf"{p}\.\d+", v) for p in PYTHONS)]
    if wanted:
        os.environ["PYENV_VERSION"] = ":".join(wanted)


_expose_pyenv_pythons()


@dataclass(frozen=True)
class Distribution:
    """One distribution of the workspace and what it declares."""

    name: str
    version: str
    path: Path
    dependencies: tuple[str, ...]
    test_dependencies: tuple[str, ...]
    kernel_min: str | None

    @property
    def key(self) -> str:
        """The session id part: ``kernel`` or the folder name (``openai``)."""
        return "kernel" if self.name == "retinue" else self.path.name


def _requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""


def _kernel_min(dependencies: list[str]) -> str | None:
    for requirement in dependencies:
        if _requirement_name(requirement) == "retinue":
            match = re.search(r">=\s*([0-9][0-9.]*)", requirement)
            if match:
                parts = [*match.group(1).split("."), "0", "0"][:3]
                return ".".join(parts)
    return None


def _read_distribution(path: Path) -> Distribution:
    data = tomllib.loads((path / "pyproject.toml").read_text(encoding="utf-8"))
    project = data["project"]
    dependencies = list(project.get("dependencies", []))
    groups = data.get("dependency-groups", {})
    test_dependencies = [
        item for name in ("test", "dev") for item in groups.get(name, []) if isinstance(item, str)
    ]
    return Distribution(
        name=project["name"],
        version=project["version"],
        path=path,
        dependencies=tuple(dependencies),
        test_dependencies=tuple(test_dependencies),
        kernel_min=_kernel_min(dependencies),
    )


def distributions() -> list[Distribution]:
    """The kernel, then every ``plugins/*`` and ``contrib/*`` distribution, by folder."""
    folders = [ROOT / "kernel"]
    for group in ("plugins", "contrib"):
        folders += sorted(p for p in (ROOT / group).glob("*") if (p / "pyproject.toml").is_file())
    return [_read_distribution(folder) for folder in folders]


DISTRIBUTIONS = distributions()
BY_KEY = {dist.key: dist for dist in DISTRIBUTIONS}
BY_NAME = {dist.name: dist for dist in DISTRIBUTIONS}
KERNEL = BY_KEY["kernel"]


def kernel_version_for(dist: Distribution, mode: str) -> str:
    """The kernel version a ``tests`` session installs for ``dist`` in ``mode``."""
    if mode == "min" and dist.kernel_min is not None:
        return dist.kernel_min
    return KERNEL.version


def _matrix() -> list[object]:
    params = []
    for dist in DISTRIBUTIONS:
        modes = ("current",) if dist is KERNEL else KERNEL_MODES
        params += [nox.param(dist.key, mode, id=f"{dist.key}-{mode}") for mode in modes]
    return params


def _install_kernel(session: nox.Session, version: str) -> None:
    if version == KERNEL.version:
        session.install(str(KERNEL.path))
    else:
        session.install(f"retinue=={version}", "--no-sources")


def _workspace_siblings(dist: Distribution) -> list[Distribution]:
    """First-party distributions ``dist`` depends on (installed from their folders)."""
    names = {_requirement_name(requirement) for requirement in dist.dependencies}
    return [BY_NAME[name] for name in sorted(names) if name in BY_NAME and name != "retinue"]


@nox.session(python=PYTHONS)
@nox.parametrize(["dist", "kernel"], _matrix())
def tests(session: nox.Session, dist: str, kernel: str) -> None:
    """Install one distribution with the kernel at ``kernel`` and run its tests."""
    target = BY_KEY[dist]
    kernel_version = kernel_version_for(target, kernel)
    _install_kernel(session, kernel_version)
    siblings = _workspace_siblings(target)
    for sibling in siblings:
        session.install(str(sibling.path), "--no-deps")
    third_party = [
        requirement
        for requirement in target.dependencies
        if _requirement_name(requirement) not in BY_NAME
    ]
    for sibling in siblings:
        third_party += [r for r in sibling.dependencies if _requirement_name(r) not in BY_NAME]
    if third_party:
        resolution = "lowest-direct" if kernel == "min" else "highest"
        session.install(*third_party, f"--resolution={resolution}")
    if target is not KERNEL:
        session.install(str(target.path), "--no-deps")
    # Test-only siblings (e.g. retinue-local in agentchat's dev group) come from their folders.
    test_siblings = [
        BY_NAME[name]
        for name in map(_requirement_name, target.test_dependencies)
        if name in BY_NAME and name != "retinue"
    ]
    for sibling in test_siblings:
        session.install(str(sibling.path), "--no-deps")
    test_third_party = [
        requirement
        for requirement in target.test_dependencies
        if _requirement_name(requirement) not in BY_NAME
    ]
    session.install(*TEST_TOOLS, *test_third_party)
    session.run("python", "-c", "import retinue; print('kernel', retinue.__version__)")
    tests_dir = target.path / "tests"
    session.run(
        "pytest",
        str(tests_dir),
        "-q",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        success_codes=[0, 5],  # 5: a distribution without tests yet
    )


@nox.session(python=CI_PYTHON_CURRENT)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole repository."""
    session.install("ruff>=0.8")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=CI_PYTHON_CURRENT, venv_backend="none")
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the kernel (config in the root pyproject.toml)."""
    session.run("uv", "run", "--all-packages", "--group", "dev", "mypy", external=True)


@nox.session(python=CI_PYTHON_CURRENT, venv_backend="none")
def docs(session: nox.Session) -> None:
    """Build the documentation site with warnings as errors (links checked)."""
    session.run(
        "uv",
        "run",
        "--group",
        "dev",
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        "site",
        external=True,
    )


@nox.session(python=CI_PYTHON_CURRENT, venv_backend="none")
def bench(session: nox.Session) -> None:
    """Run the benchmarks (``bench/compare.py``); numbers are printed, never asserted."""
    session.run(
        "uv", "run", "--group", "dev", "python", "bench/compare.py", *session.posargs, external=True
    )


def _ci_sessions() -> list[str]:
    # The workspace suite already runs every distribution on the default Python with the
    # current kernel, next to lint, types and docs; CI adds the matrix's two far corners.
    selected = []
    for dist in DISTRIBUTIONS:
        selected.append(f"tests-{CI_PYTHON_NEWEST}({dist.key}-current)")
        corner = "current" if dist is KERNEL else "min"
        selected.append(f"tests-{CI_PYTHON_MIN}({dist.key}-{corner})")
    return selected


@nox.session(venv_backend="none")
def ci(session: nox.Session) -> None:
    """The fast subset CI runs next to the workspace suite: every distribution on the
    oldest Python with its minimum kernel, and on the newest Python with the current one."""
    for name in _ci_sessions():
        session.notify(name)


@nox.session(venv_backend="none")
def matrix(session: nox.Session) -> None:
    """Run every ``tests`` session and write docs/compatibility.md from the results.

    Arguments after ``--`` go to the inner nox run, e.g. ``-- -p 3.11`` for one Python.
    """
    report = Path(session.create_tmp()) / "matrix-report.json"
    session.run(
        sys.executable,
        "-m",
        "nox",
        "-f",
        str(ROOT / "noxfile.py"),
        "-s",
        "tests",
        "--report",
        str(report),
        *session.posargs,
        external=True,
        success_codes=[0, 1],
    )
    results = json.loads(report.read_text(encoding="utf-8"))["sessions"]
    COMPATIBILITY_PAGE.write_text(render_compatibility(results), encoding="utf-8")
    session.log(f"wrote {COMPATIBILITY_PAGE.relative_to(ROOT)}")


def _python_of(name: str) -> str:
    match = re.match(r"tests-(\d+\.\d+)", name)
    return match.group(1) if match else "?"


def render_compatibility(results: list[dict[str, object]]) -> str:
    """The compatibility page: distribution x Python x kernel -> pass/fail, with versions."""
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for result in results:
        args = result.get("args") or {}
        assert isinstance(args, dict)
        dist = BY_KEY.get(str(args.get("dist")))
        if dist is None:
            continue
        mode = str(args.get("kernel"))
        signatures = result.get("signatures") or [str(result.get("name"))]
        assert isinstance(signatures, list)
        python = _python_of(str(signatures[0]))
        outcome = str(result.get("result"))
        mark = {"success": "pass", "failed": "FAIL", "skipped": "skipped"}.get(outcome, outcome)
        rows.setdefault((dist.key, mode), {})[python] = mark
    lines = [
        "# Compatibility",
        "",
        "Each distribution's tests, run in a fresh environment on each Python with the",
        "kernel at the lowest version the distribution declares (**min**) and at the",
        "workspace version (**current**). Generated by `uv run nox -s matrix` on",
        f"{date.today().isoformat()}; do not edit by hand.",
        "",
        "| distribution | version | kernel range | kernel | " + " | ".join(PYTHONS) + " |",
        "| --- | --- | --- | --- | " + " | ".join("---" for _ in PYTHONS) + " |",
    ]
    for dist in DISTRIBUTIONS:
        kernel_range = next(
            (
                r.split("retinue", 1)[1].strip() or "any"
                for r in dist.dependencies
                if _requirement_name(r) == "retinue"
            ),
            "-",
        )
        for mode in KERNEL_MODES:
            cells = rows.get((dist.key, mode))
            if cells is None:
                continue
            kernel = f"{mode} ({kernel_version_for(dist, mode)})"
            marks = [cells.get(python, "not run") for python in PYTHONS]
            lines.append(
                f"| {dist.name} | {dist.version} | `{kernel_range}` | {kernel} | "
                + " | ".join(marks)
                + " |"
            )
    lines += [
        "",
        "A cell reads *skipped* when that Python is not installed on the machine that ran",
        "the matrix; *not run* when the session was not selected.",
        "",
    ]
    return "\n".join(lines)
