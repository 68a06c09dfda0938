"""The compatibility matrix: distribution x Python 3.10-3.13 x kernel min/current x SDK majors.

    uv run --group dev nox -s ci       # the fast corners CI runs
    uv run --group dev nox -s matrix   # every cell; rewrites docs/compatibility.md
    uv run --group dev nox -l          # every session

A ``tests`` session installs one distribution into a fresh virtual environment
(never the workspace's) and runs that distribution's own tests.  Its row says what
it installs (``scripts/compatibility.py`` plans the rows from the distributions'
``pyproject.toml`` alone, so a new plugin joins the matrix when it lands):

- ``min``: the lowest kernel the distribution declares, every direct dependency at
  the floor of its range (``--resolution lowest-direct``).  The minimum kernel
  really is installed: when it equals the workspace kernel's version (always the
  case during 0.x) it is built from ``kernel/``, otherwise it comes from the index;
- ``current``: the workspace kernel, every dependency at its newest;
- ``<sdk>-<major>.x-floor|newest``: where a declared range spans majors
  (``openai>=1.55.3,<4``), the floor and the newest release of each major that
  ``min`` and ``current`` do not already cover, with the workspace kernel.

Pythons come from the machine (``scripts/pythons.py``: pyenv, uv-managed, PATH)
and are never downloaded.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import date
from pathlib import Path

import nox
import nox.command
import nox.virtualenv

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT / "scripts"))
import compatibility  # noqa: E402
import pythons  # noqa: E402

PYTHONS = list(pythons.WANTED)
CI_PYTHON_CURRENT = "3.11"
CI_PYTHON_MIN = "3.10"
CI_PYTHON_NEWEST = "3.13"
TEST_TOOLS = [
    "pytest>=8.3",
    "pytest-asyncio>=0.24",
    "pytest-timeout>=2.3",
    "hypothesis>=6.100",
    "opentelemetry-sdk>=1.27",
    "pyyaml>=6",
]
COMPATIBILITY_PAGE = ROOT / "docs" / "compatibility.md"
COMPATIBILITY_DATA = ROOT / "docs" / "compatibility.json"
PYTHON_LINKS = ROOT / ".nox" / "pythons"
# Where ``tests`` sessions write their cell when the matrix session runs them.
RESULTS_ENV = "RETINUE_MATRIX_RESULTS"

nox.options.default_venv_backend = "uv"
nox.options.download_python = "never"
nox.options.sessions = ["ci"]
os.environ["UV_PYTHON_DOWNLOADS"] = "never"

# nox looks for "3.12" as python3.12 on PATH (among other places), so every
# interpreter found is linked under that name into a folder put first on PATH.
FOUND_PYTHONS = pythons.discover(PYTHONS, skip_dirs=[PYTHON_LINKS])
_links = str(pythons.link(FOUND_PYTHONS, PYTHON_LINKS))
if os.environ.get("PATH", "").split(os.pathsep)[0] != _links:
    os.environ["PATH"] = _links + os.pathsep + os.environ.get("PATH", "")

WORKSPACE = compatibility.Workspace(compatibility.workspace_distributions(ROOT))
ROWS = {(row.dist, row.id): row for row in compatibility.plan(WORKSPACE)}


def _installed_versions(session: nox.Session, names: list[str]) -> tuple[str, dict[str, str]]:
    """The session interpreter's version and the installed version of each of ``names``."""
    script = (
        "import importlib.metadata as m, json, platform, sys; "
        f"names = {names!r}; "
        "print(json.dumps([platform.python_version(), "
        "{n: m.version(n) for n in names}]))"
    )
    output = session.run("python", "-c", script, silent=True)
    assert isinstance(output, str)
    python_version, versions = json.loads(output.strip().splitlines()[-1])
    return python_version, versions


def _record(session: nox.Session, dist: str, row: str, outcome: str, **extra: object) -> None:
    """Write this session's cell for the matrix session, when it is the one running us."""
    folder = os.environ.get(RESULTS_ENV)
    if not folder:
        return
    python = str(session.python)
    cell = {"dist": dist, "row": row, "python": python, "outcome": outcome}
    cell.update(date=date.today().isoformat(), session=session.name, **extra)
    Path(folder, f"{dist}--{row}--{python}.json").write_text(json.dumps(cell), encoding="utf-8")


class DependenciesDidNotInstall(Exception):
    """A row's third-party dependencies cannot be installed on the session's Python."""


def _install(
    session: nox.Session, target: compatibility.Distribution, row: compatibility.Row
) -> list[str]:
    """Install ``target`` as ``row`` says; return the third-party names to report."""
    problem = WORKSPACE.kernel_problem(target)
    if problem:
        raise compatibility.MatrixRefused(problem)
    kernel_version = WORKSPACE.kernel_version_for(target, row.kernel)
    if kernel_version == WORKSPACE.kernel.version:
        session.install(str(WORKSPACE.kernel.path))
    else:
        session.install(f"retinue=={kernel_version}", "--no-sources")
    siblings = WORKSPACE.siblings(target.dependencies)
    for sibling in siblings:
        session.install(str(sibling.path), "--no-deps")
    third_party = WORKSPACE.third_party(target)
    pins = []
    if row.sdk is not None:
        python = str(Path(session.bin) / "python")
        pin = compatibility.row_pin(row, compatibility.uv_resolver(nox.virtualenv.UV, python))
        if pin is None:
            _record(session, row.dist, row.id, "no-release", note=row.label)
            session.skip(f"the package index has no {row.label.split(',')[0]} release")
        pins.append(pin)
    if third_party:
        resolution = "lowest-direct" if row.kernel == "min" and not pins else "highest"
        try:
            session.install(*third_party, *pins, f"--resolution={resolution}")
        except nox.command.CommandFailed:
            # The index was reachable (the matrix checked): what the declarations allow at
            # this end does not install on this Python, a compatibility result of its own.
            wanted = ", ".join(f"`{r}`" for r in [*third_party, *pins])
            raise DependenciesDidNotInstall(
                f"{wanted} did not install at --resolution={resolution}"
            ) from None
    if not target.is_kernel:
        session.install(str(target.path), "--no-deps")
    # Test-only siblings (e.g. retinue-local in agentchat's test group) come from their folders.
    for sibling in WORKSPACE.siblings(target.test_dependencies):
        if sibling not in siblings and sibling is not target:
            session.install(str(sibling.path), "--no-deps")
    test_third_party = [r for r in target.test_dependencies if not WORKSPACE.first_party(r)]
    session.install(*TEST_TOOLS, *test_third_party)
    return [compatibility.requirement_name(r) for r in third_party]


@nox.session(python=PYTHONS)
@nox.parametrize(
    ["dist", "row"],
    [nox.param(dist, row, id=f"{dist}-{row}") for dist, row in ROWS],
)
def tests(session: nox.Session, dist: str, row: str) -> None:
    """Install one distribution as its matrix row says and run its own tests."""
    target = WORKSPACE.by_key[dist]
    planned = ROWS[(dist, row)]
    try:
        names = _install(session, target, planned)
        python_version, versions = _installed_versions(session, ["retinue", *names])
    except compatibility.MatrixRefused as exc:
        _record(session, dist, row, "error", note=str(exc))
        session.error(str(exc))
    except DependenciesDidNotInstall as exc:
        output = session.run(
            "python", "-c", "import platform; print(platform.python_version())", silent=True
        )
        assert isinstance(output, str)
        _record(session, dist, row, "fail", note=str(exc), python_version=output.strip())
        session.error(str(exc))
    except nox.command.CommandFailed:
        note = f"installing failed; the log of {session.name} says why"
        _record(session, dist, row, "error", note=note)
        raise
    session.log(
        f"resolved Python {python_version}, "
        + ", ".join(f"{name} {version}" for name, version in versions.items())
    )
    cell = {"python_version": python_version, "versions": versions}
    try:
        session.run(
            "pytest",
            str(target.path / "tests"),
            "-q",
            "-p",
            "no:cacheprovider",
            # A test that swallows the timeout's exception would hang the cell for good;
            # the thread method ends the run instead, and the cell fails.
            "--timeout-method=thread",
            *session.posargs,
            success_codes=[0, 5],  # 5: a distribution without tests yet
        )
    except nox.command.CommandFailed:
        _record(session, dist, row, "fail", **cell)
        raise
    _record(session, dist, row, "pass", **cell)


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
    for dist in WORKSPACE.distributions:
        selected.append(f"tests-{CI_PYTHON_NEWEST}({dist.key}-current)")
        corner = "current" if dist.is_kernel else "min"
        selected.append(f"tests-{CI_PYTHON_MIN}({dist.key}-{corner})")
    return selected


@nox.session(venv_backend="none")
def ci(session: nox.Session) -> None:
    """The fast subset CI runs next to the workspace suite: every distribution on the
    oldest Python with its minimum kernel, and on the newest Python with the current one."""
    for name in _ci_sessions():
        session.notify(name)


def _prechecks(partial: bool) -> None:
    """Refuse, before running anything, what would leave the table wrong or unverifiable."""
    problems = [p for p in map(WORKSPACE.kernel_problem, WORKSPACE.distributions) if p]
    missing = [minor for minor in PYTHONS if minor not in FOUND_PYTHONS]
    if missing and not partial:
        problems.append(
            f"Python {', '.join(missing)} not found (searched pyenv's versions, uv-managed "
            "interpreters and PATH; none is ever downloaded), so their cells cannot be "
            "verified. Install them (`pyenv install 3.X` or `uv python install 3.X`), or "
            "pass --partial to keep those cells' last verified results."
        )
    uv = nox.virtualenv.UV
    problems += [p for p in (pythons.venv_problem(i, uv) for i in FOUND_PYTHONS.values()) if p]
    if not FOUND_PYTHONS:
        problems.append("No Python 3.10-3.13 found; install one through pyenv or uv.")
    elif not problems:
        oldest = FOUND_PYTHONS[min(FOUND_PYTHONS, key=lambda m: int(m.split(".")[1]))]
        resolve = compatibility.uv_resolver(uv, oldest.executable)
        problems += compatibility.index_problems(WORKSPACE, resolve)
    if problems:
        raise compatibility.MatrixRefused(
            "The compatibility table was left as it was:\n- " + "\n- ".join(problems)
        )


@nox.session(venv_backend="none")
def matrix(session: nox.Session) -> None:
    """Run every ``tests`` cell and publish docs/compatibility.md (and .json) from the results.

    The table only improves: a run that cannot verify a cell (a Python missing, a
    session not selected) or cannot set one up is refused and leaves the table as
    it was, unless ``-- --partial`` is given; then the unverified cells keep their
    last verified result.  Other arguments after ``--`` go to the inner nox run,
    e.g. ``-- --partial -p 3.11`` for one Python.
    """
    partial = "--partial" in session.posargs
    selection = [arg for arg in session.posargs if arg != "--partial"]
    if selection and not partial:
        session.error(
            f"Selecting sessions ({' '.join(selection)[:200]}) leaves cells unverified; "
            "add --partial to publish what runs and keep the other cells' last results."
        )
    try:
        _prechecks(partial)
    except compatibility.MatrixRefused as exc:
        session.error(str(exc))
    # Not session.create_tmp(): it sets TMPDIR, and every cell's tests would then run
    # under this session's deep folder instead of the machine's temporary directory.
    scratch = ROOT / ".nox" / "matrix-run"
    results = scratch / "matrix-results"
    shutil.rmtree(scratch, ignore_errors=True)
    results.mkdir(parents=True)
    report = scratch / "matrix-report.json"
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
        "--no-error-on-missing-interpreters",
        *selection,
        env={RESULTS_ENV: str(results)},
        external=True,
        success_codes=[0, 1],
    )
    if not report.is_file():
        session.error("The inner nox run ended without a report; the table was left as it was.")
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(results.glob("*.json"))]
    sessions = json.loads(report.read_text(encoding="utf-8"))["sessions"]
    previous = {}
    if COMPATIBILITY_DATA.is_file():
        previous = compatibility.load_cells(COMPATIBILITY_DATA.read_text(encoding="utf-8"))
    planned = [(dist, row, python) for dist, row in ROWS for python in PYTHONS]
    try:
        fresh = compatibility.collect_run(records, sessions)
        cells = compatibility.merge(previous, fresh, planned, partial=partial)
    except compatibility.MatrixRefused as exc:
        session.error(str(exc))
    COMPATIBILITY_DATA.write_text(compatibility.dump_cells(cells), encoding="utf-8")
    page = compatibility.render(WORKSPACE, ROWS.values(), cells, PYTHONS)
    COMPATIBILITY_PAGE.write_text(page, encoding="utf-8")
    counts = compatibility.summary(fresh)
    session.log(
        f"wrote {COMPATIBILITY_PAGE.relative_to(ROOT)}: this run verified {len(fresh)} of "
        f"{len(planned)} cells ({', '.join(f'{n} {o}' for o, n in counts.items())})"
    )
    if counts["fail"]:
        session.error(f"{counts['fail']} cells failed; the table records them")
