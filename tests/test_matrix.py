"""The compatibility matrix itself: interpreter discovery, planning, merging, rendering.

Interpreters are real executables: small scripts laid out as pyenv, uv and PATH lay
out theirs, answering the discovery probe.  The package index is replaced by fixed
version lists, resolved the way ``uv pip compile`` resolves them.  The ``nox``
sessions run in a copy of the matrix's files with a made-up workspace, so nothing
here touches the real table or needs the network.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 240


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


pythons = _load("pythons")
compatibility = _load("compatibility")


# --- interpreters -------------------------------------------------------------


def _fake_python(path: Path, version: str, implementation: str = "CPython") -> Path:
    """An executable that answers the discovery probe as ``implementation`` ``version``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    answer = json.dumps([implementation, version])
    path.write_text(f"#!/bin/sh\necho '{answer}'\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def _broken_python(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def machine(tmp_path: Path) -> dict[str, str]:
    """An environment whose pyenv root, uv store and PATH live under ``tmp_path``."""
    home = tmp_path / "home"
    (home / "bin").mkdir(parents=True)
    return {
        "HOME": str(home),
        "PYENV_ROOT": str(home / ".pyenv"),
        "PATH": str(home / "bin"),
    }


def test_discovery_finds_pyenv_uv_managed_and_path_interpreters(machine: dict[str, str]) -> None:
    home = Path(machine["HOME"])
    pyenv_310 = _fake_python(home / ".pyenv/versions/3.10.13/bin/python3.10", "3.10.13")
    uv_311 = _fake_python(
        home / ".local/share/uv/python/cpython-3.11.9-linux-x86_64-gnu/bin/python3.11", "3.11.9"
    )
    path_313 = _fake_python(home / "bin/python3.13", "3.13.0")

    found = pythons.discover(env=machine)

    assert found["3.10"] == pythons.Interpreter("3.10", "3.10.13", str(pyenv_310), "pyenv")
    assert found["3.11"] == pythons.Interpreter("3.11", "3.11.9", str(uv_311), "uv")
    assert found["3.13"] == pythons.Interpreter("3.13", "3.13.0", str(path_313), "PATH")
    assert "3.12" not in found
    assert "Python 3.12: not found" in pythons.describe(found)


def test_the_active_pyenv_version_does_not_hide_the_others(machine: dict[str, str]) -> None:
    # pyenv's shims set PYENV_VERSION to the active version for everything they start
    # (uv, and so nox); the other installed versions must still be found.
    home = Path(machine["HOME"])
    for version in ("3.10.13", "3.11.7", "3.12.1", "3.13.0"):
        minor = version.rsplit(".", 1)[0]
        _fake_python(home / f".pyenv/versions/{version}/bin/python{minor}", version)
    found = pythons.discover(env={**machine, "PYENV_VERSION": "3.11.7"})
    assert sorted(found) == ["3.10", "3.11", "3.12", "3.13"]


def test_an_earlier_place_wins_and_the_newest_patch_within_it(
    machine: dict[str, str], tmp_path: Path
) -> None:
    home = Path(machine["HOME"])
    _fake_python(home / ".pyenv/versions/3.12.1/bin/python3.12", "3.12.1")
    newest = _fake_python(home / ".pyenv/versions/3.12.8/bin/python3.12", "3.12.8")
    _fake_python(home / "bin/python3.12", "3.12.9")
    uv_store = tmp_path / "uv-store"
    _fake_python(uv_store / "cpython-3.12.9-linux-x86_64-gnu/bin/python3.12", "3.12.9")

    found = pythons.discover(["3.12"], env={**machine, "UV_PYTHON_INSTALL_DIR": str(uv_store)})

    assert found["3.12"].executable == str(newest)
    assert found["3.12"].source == "pyenv"


def test_shims_broken_mislabelled_and_non_cpython_candidates_are_skipped(
    machine: dict[str, str],
) -> None:
    home = Path(machine["HOME"])
    shims = home / ".pyenv/shims"
    _fake_python(shims / "python3.12", "3.12.1")  # only ever the active version
    _broken_python(home / ".pyenv/versions/3.12.1/bin/python3.12")
    _fake_python(home / ".pyenv/versions/pypy3.12-7.3/bin/python3.12", "3.12.9", "PyPy")
    _fake_python(home / ".pyenv/versions/odd/bin/python3.12", "3.11.2")
    on_path = _fake_python(home / "bin/python3.12", "3.12.4")
    environment = {**machine, "PATH": f"{shims}{os.pathsep}{home / 'bin'}"}

    found = pythons.discover(["3.12"], env=environment)

    assert found["3.12"] == pythons.Interpreter("3.12", "3.12.4", str(on_path), "PATH")


def test_links_name_each_interpreter_and_drop_stale_ones(tmp_path: Path) -> None:
    target = _fake_python(tmp_path / "real/python3.12", "3.12.1")
    folder = tmp_path / "links"
    folder.mkdir()
    (folder / "python3.10").symlink_to(tmp_path / "gone")
    pythons.link({"3.12": pythons.Interpreter("3.12", "3.12.1", str(target), "PATH")}, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["python3.12"]
    assert (folder / "python3.12").resolve() == target.resolve()
    # Linking again is a no-op, not an error.
    pythons.link({"3.12": pythons.Interpreter("3.12", "3.12.1", str(target), "PATH")}, folder)
    assert (folder / "python3.12").resolve() == target.resolve()


def _uv() -> str:
    uv = shutil.which("uv")
    assert uv is not None, "uv is needed to create environments (it runs the whole workspace)"
    return uv


def test_an_interpreter_that_cannot_create_a_venv_is_named_with_uvs_reason(
    tmp_path: Path,
) -> None:
    fake = _fake_python(tmp_path / "bin/python3.12", "3.12.1")
    interpreter = pythons.Interpreter("3.12", "3.12.1", str(fake), "PATH")
    problem = pythons.venv_problem(interpreter, _uv())
    assert problem is not None
    assert str(fake) in problem
    assert "cannot create a virtual environment" in problem
    assert "Repair or remove" in problem
    real = pythons.Interpreter("3.x", "3.x", sys.executable, "PATH")
    assert pythons.venv_problem(real, _uv()) is None


# --- planning -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("specifier", "majors"),
    [
        (">=1.55.3,<4", [1, 2, 3]),
        (">=0.40,<3", [0, 1, 2]),
        (">=1.25,<3", [1, 2]),
        (">=0.3.60,<2", [0, 1]),
        (">=6.31,<8", [6, 7]),
        (">=2.5,<3.2", [2, 3]),
        (">=2,<=3", [2, 3]),
        (">=1.70,<2", []),
        (">=6", []),
        ("<3", []),
        ("~=1.4", []),
    ],
)
def test_the_majors_a_declared_range_spans(specifier: str, majors: list[int]) -> None:
    assert compatibility.spanned_majors(specifier) == majors


def _workspace(tmp_path: Path, plugins: dict[str, list[str]], kernel: str = "0.1.0") -> object:
    """A workspace of ``pyproject.toml`` files only: the matrix reads nothing else."""

    def write(folder: Path, name: str, version: str, dependencies: list[str]) -> None:
        folder.mkdir(parents=True)
        (folder / "pyproject.toml").write_text(
            f'[project]\nname = "{name}"\nversion = "{version}"\n'
            f"dependencies = {json.dumps(dependencies)}\n",
            encoding="utf-8",
        )

    write(tmp_path / "kernel", "retinue", kernel, ["pluggy>=1.5,<2"])
    for key, dependencies in plugins.items():
        write(tmp_path / "plugins" / key, f"retinue-{key}", "0.1.0", dependencies)
    return compatibility.Workspace(compatibility.workspace_distributions(tmp_path))


def test_a_new_plugin_joins_the_matrix_from_its_declarations_alone(tmp_path: Path) -> None:
    workspace = _workspace(
        tmp_path,
        {
            "openai": ["retinue>=0.1,<0.2", "openai>=1.55.3,<4"],
            "weather": ["retinue>=0.1,<0.2", "retinue-openai>=0.1,<0.2", "mcp>=1.25,<3"],
        },
    )
    rows = {(row.dist, row.id): row for row in compatibility.plan(workspace)}
    assert list(rows) == [
        ("kernel", "current"),
        ("openai", "min"),
        ("openai", "current"),
        ("openai", "openai-1.x-newest"),
        ("openai", "openai-2.x-floor"),
        ("openai", "openai-2.x-newest"),
        ("openai", "openai-3.x-floor"),
        ("weather", "min"),
        ("weather", "current"),
        ("weather", "mcp-1.x-newest"),
        ("weather", "mcp-2.x-floor"),
    ]
    weather = workspace.by_key["weather"]
    # The plugin it builds on comes from its folder, and its SDK is reported too.
    assert [d.key for d in workspace.siblings(weather.dependencies)] == ["openai"]
    assert workspace.third_party(weather) == ["mcp>=1.25,<3", "openai>=1.55.3,<4"]


def _index(listing: dict[str, list[str]]) -> object:
    """Resolve like ``uv pip compile --no-deps`` over a fixed list of released versions."""

    def resolve(requirement: str, lowest: bool) -> str | None:
        parsed = Requirement(requirement)
        versions = [v for v in listing.get(parsed.name, []) if parsed.specifier.contains(v)]
        if not versions:
            return None
        return (min if lowest else max)(versions, key=Version)

    return resolve


OPENAI_RELEASES = ["1.40.0", "1.55.3", "1.60.0", "1.109.1", "2.0.0", "2.8.1", "3.0.0", "3.57.0"]


def test_each_major_is_pinned_to_its_floor_and_newest_release(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, {"openai": ["retinue>=0.1,<0.2", "openai>=1.55.3,<4"]})
    resolve = _index({"openai": OPENAI_RELEASES})
    pins = {
        row.id: compatibility.row_pin(row, resolve)
        for row in compatibility.plan(workspace)
        if row.sdk is not None
    }
    assert pins == {
        "openai-1.x-newest": "openai==1.109.1",
        "openai-2.x-floor": "openai==2.0.0",
        "openai-2.x-newest": "openai==2.8.1",
        "openai-3.x-floor": "openai==3.0.0",
    }
    # The range's own floor and newest are the min and current rows' resolutions.
    assert resolve("openai>=1.55.3,<4", True) == "1.55.3"
    assert resolve("openai>=1.55.3,<4", False) == "3.57.0"


def test_a_major_without_a_release_is_pinned_to_nothing(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, {"anthropic": ["retinue>=0.1,<0.2", "anthropic>=0.40,<3"]})
    resolve = _index({"anthropic": ["0.40.0", "0.69.0", "2.0.0", "2.13.0"]})
    pins = {
        row.id: compatibility.row_pin(row, resolve)
        for row in compatibility.plan(workspace)
        if row.sdk is not None
    }
    assert pins == {
        "anthropic-0.x-newest": "anthropic==0.69.0",
        "anthropic-1.x-floor": None,
        "anthropic-1.x-newest": None,
        "anthropic-2.x-floor": "anthropic==2.0.0",
    }


def test_a_range_with_no_release_on_the_index_is_named(tmp_path: Path) -> None:
    workspace = _workspace(
        tmp_path,
        {
            "openai": ["retinue>=0.1,<0.2", "openai>=1.55.3,<4"],
            "future": ["retinue>=0.1,<0.2", "openai>=9,<10"],
        },
    )
    problems = compatibility.index_problems(
        workspace, _index({"openai": OPENAI_RELEASES, "pluggy": ["1.5.0"]})
    )
    assert len(problems) == 1
    assert "retinue-future declares `openai>=9,<10`" in problems[0]
    assert "plugins/future/pyproject.toml" in problems[0]


def test_a_kernel_range_that_excludes_the_workspace_kernel_is_named(tmp_path: Path) -> None:
    workspace = _workspace(
        tmp_path,
        {"ok": ["retinue>=0.1,<0.2"], "ahead": ["retinue>=0.3,<0.4"]},
        kernel="0.1.4",
    )
    assert workspace.kernel_problem(workspace.by_key["ok"]) is None
    problem = workspace.kernel_problem(workspace.by_key["ahead"])
    assert problem is not None
    assert "retinue-ahead declares `retinue>=0.3,<0.4`" in problem
    assert "excludes the workspace kernel 0.1.4" in problem
    assert "plugins/ahead/pyproject.toml" in problem
    assert "retinue>=0.1,<0.2" in problem


# --- results, merging and the table -------------------------------------------


def _record(row: str, python: str, outcome: str = "pass", day: str = "2026-12-01") -> dict:
    return {
        "dist": "openai",
        "row": row,
        "python": python,
        "outcome": outcome,
        "date": day,
        "session": f"tests-{python}(openai-{row})",
        "python_version": f"{python}.1",
        "versions": {"retinue": "0.1.0", "openai": "2.0.0"},
    }


def test_the_table_is_rendered_from_session_results(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, {"openai": ["retinue>=0.1,<0.2", "openai>=1.55.3,<4"]})
    rows = compatibility.plan(workspace)
    records = [_record("openai-2.x-floor", "3.12"), _record("min", "3.10", "fail")]
    sessions = [
        {"name": "tests", "signatures": [r["session"]], "args": {}, "result": "success"}
        for r in records
    ]
    fresh = compatibility.collect_run(records, sessions)
    page = compatibility.render(workspace, rows, fresh, ["3.10", "3.12"])

    assert "## retinue-openai 0.1.0" in page
    assert "Declares `retinue>=0.1,<0.2`, `openai>=1.55.3,<4`." in page
    floor_row = next(line for line in page.splitlines() if "openai 2.x, floor" in line)
    assert floor_row.startswith("| current (0.1.0) | openai 2.x, floor | not verified |")
    assert "**pass**<br>openai 2.0.0, retinue 0.1.0<br>Python 3.12.1, 2026-12-01" in floor_row
    min_row = next(line for line in page.splitlines() if "every dependency at its floor" in line)
    assert min_row.startswith("| min (0.1.0) |") and "**FAIL**" in min_row
    assert "openai 3.x, floor" in page  # planned rows show even before they are verified


def test_a_major_without_a_release_reads_so_in_the_table(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, {"anthropic": ["retinue>=0.1,<0.2", "anthropic>=0.40,<3"]})
    record = {
        "dist": "anthropic",
        "row": "anthropic-1.x-floor",
        "python": "3.11",
        "outcome": "no-release",
        "date": "2026-12-01",
        "note": "anthropic 1.x, floor",
    }
    fresh = compatibility.collect_run([record], [])
    page = compatibility.render(workspace, compatibility.plan(workspace), fresh, ["3.11"])
    assert "| current (0.1.0) | anthropic 1.x, floor | no 1.x release<br>2026-12-01 |" in page


def test_a_run_that_leaves_cells_unverified_is_refused_and_publishes_nothing() -> None:
    previous = compatibility.collect_run([_record("min", "3.10"), _record("min", "3.11")], [])
    fresh = compatibility.collect_run([_record("min", "3.11", day="2026-12-02")], [])
    planned = [("openai", "min", "3.10"), ("openai", "min", "3.11")]
    with pytest.raises(compatibility.MatrixRefused) as refused:
        compatibility.merge(previous, fresh, planned, partial=False)
    message = str(refused.value)
    assert "1 of 2 cells did not run (openai min on 3.10)" in message
    assert "left as it was" in message and "--partial" in message


def test_a_partial_run_keeps_each_unverified_cells_last_result_and_date() -> None:
    previous = compatibility.collect_run(
        [_record("min", "3.10"), _record("min", "3.11"), _record("gone", "3.11")], []
    )
    fresh = compatibility.collect_run([_record("min", "3.11", "fail", day="2026-12-02")], [])
    planned = [("openai", "min", "3.10"), ("openai", "min", "3.11"), ("openai", "min", "3.13")]
    merged = compatibility.merge(previous, fresh, planned, partial=True)
    assert merged[("openai", "min", "3.10")] == previous[("openai", "min", "3.10")]
    assert merged[("openai", "min", "3.11")].outcome == "fail"
    assert merged[("openai", "min", "3.11")].date == "2026-12-02"
    assert ("openai", "min", "3.13") not in merged  # never verified: rendered "not verified"
    assert ("openai", "gone", "3.11") not in merged  # a row no longer declared
    # What is published reads back the same.
    assert compatibility.load_cells(compatibility.dump_cells(merged)) == merged


def test_a_session_that_could_not_be_set_up_refuses_the_run() -> None:
    error = {**_record("min", "3.12", "error"), "note": "retinue-x declares `x>=9` ..."}
    with pytest.raises(compatibility.MatrixRefused) as refused:
        compatibility.collect_run([error], [])
    assert "tests-3.12(openai-min): retinue-x declares `x>=9` ..." in str(refused.value)
    # A session that failed before writing anything (its environment could not be made).
    # As nox reports it: the bare function name, the session's own name first in signatures.
    silent = {
        "name": "tests",
        "signatures": ["tests-3.13(openai-min)", "tests-3.13(dist='openai', row='min')"],
        "args": {"dist": "openai", "row": "min"},
        "result": "failed",
        "reason": None,
    }
    with pytest.raises(compatibility.MatrixRefused) as refused:
        compatibility.collect_run([_record("min", "3.12")], [silent])
    assert "tests-3.13(openai-min): it failed before its tests ran" in str(refused.value)
    # A failed session that recorded its failure is a result, not a set-up problem.
    failed = {**silent, "signatures": ["tests-3.12(openai-min)"]}
    cells = compatibility.collect_run([_record("min", "3.12", "fail")], [failed])
    assert cells[("openai", "min", "3.12")].outcome == "fail"


# --- the sessions, on a made-up workspace ---------------------------------------


@pytest.fixture
def matrix_copy(tmp_path: Path, machine: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """The matrix's files over a two-distribution workspace, and an isolated machine."""
    workspace = tmp_path / "workspace"
    (workspace / "scripts").mkdir(parents=True)
    (workspace / "docs").mkdir()
    shutil.copy(ROOT / "noxfile.py", workspace)
    for name in ("pythons.py", "compatibility.py"):
        shutil.copy(ROOT / "scripts" / name, workspace / "scripts")
    _workspace(workspace, {"ahead": ["retinue>=0.3,<0.4", "openai>=1.55.3,<4"]})
    (workspace / "docs" / "compatibility.md").write_text("published table\n", encoding="utf-8")
    environment = {**machine, "UV": _uv(), "UV_PYTHON_DOWNLOADS": "never", "NO_COLOR": "1"}
    environment.pop("CI", None)
    return workspace, environment


def _nox(workspace: Path, environment: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nox", "-f", str(workspace / "noxfile.py"), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=environment,
        cwd=workspace,
        check=False,
    )


def test_nox_finds_every_interpreter_the_machine_has(
    matrix_copy: tuple[Path, dict[str, str]],
) -> None:
    workspace, environment = matrix_copy
    home = Path(environment["HOME"])
    fakes = {
        minor: _fake_python(home / f".pyenv/versions/{minor}.9/bin/python{minor}", f"{minor}.9")
        for minor in ("3.10", "3.12", "3.13")
    }
    # What nox does to find "3.12": look for python3.12 on the PATH the noxfile leaves.
    script = (
        "import json, runpy, shutil; "
        f"runpy.run_path({str(workspace / 'noxfile.py')!r}); "
        "print(json.dumps({m: shutil.which('python' + m) for m in ('3.10', '3.12', '3.13')}))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**environment, "PYENV_VERSION": "3.11.7"},
        cwd=workspace,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    for minor, fake in fakes.items():
        assert seen[minor] is not None, f"nox would not find Python {minor}"
        assert Path(seen[minor]).resolve() == fake.resolve()


def test_the_matrix_refuses_bad_input_and_leaves_the_table_as_it_was(
    matrix_copy: tuple[Path, dict[str, str]],
) -> None:
    workspace, environment = matrix_copy
    home = Path(environment["HOME"])
    # 3.12 exists and answers, but uv cannot make an environment from it.
    _fake_python(home / ".pyenv/versions/3.12.1/bin/python3.12", "3.12.1")

    completed = _nox(workspace, environment, "-s", "matrix")

    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output
    assert "The compatibility table was left as it was" in output
    assert "retinue-ahead declares `retinue>=0.3,<0.4`, which excludes the workspace" in output
    assert "Python 3.10, 3.11, 3.13 not found" in output
    assert "cannot create a virtual environment" in output
    assert (workspace / "docs" / "compatibility.md").read_text() == "published table\n"
    assert not (workspace / "docs" / "compatibility.json").exists()


def test_the_matrix_refuses_a_selection_unless_asked_for_a_partial_table(
    matrix_copy: tuple[Path, dict[str, str]],
) -> None:
    workspace, environment = matrix_copy
    completed = _nox(workspace, environment, "-s", "matrix", "--", "-p", "3.12")
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output
    assert "Selecting sessions (-p 3.12) leaves cells unverified; add --partial" in output
    assert (workspace / "docs" / "compatibility.md").read_text() == "published table\n"


def test_ci_runs_two_corners_of_every_distribution_and_they_are_real_sessions(
    matrix_copy: tuple[Path, dict[str, str]],
) -> None:
    workspace, environment = matrix_copy
    listed = _nox(workspace, environment, "-l", "--json", "-s", "tests")
    assert listed.returncode == 0, listed.stderr
    sessions = {entry["session"] for entry in json.loads(listed.stdout)}
    noxfile = str(workspace / "noxfile.py")
    script = f"import json, runpy; print(json.dumps(runpy.run_path({noxfile!r})['_ci_sessions']()))"
    corners = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=environment,
        cwd=workspace,
        check=False,
    )
    assert corners.returncode == 0, corners.stderr
    selected = json.loads(corners.stdout.strip().splitlines()[-1])
    assert selected == [
        "tests-3.13(kernel-current)",
        "tests-3.10(kernel-current)",
        "tests-3.13(ahead-current)",
        "tests-3.10(ahead-min)",
    ]
    assert set(selected) <= sessions
    # The SDK majors are in the full matrix only.
    assert "tests-3.12(ahead-openai-2.x-floor)" in sessions


def test_a_declared_end_that_does_not_install_is_a_failed_cell_saying_so(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path, {"agentchat": ["retinue>=0.1,<0.2", "pyyaml>=6"]})
    record = {
        "dist": "agentchat",
        "row": "min",
        "python": "3.13",
        "outcome": "fail",
        "date": "2026-12-02",
        "python_version": "3.13.0",
        "note": "`pyyaml>=6` did not install at --resolution=lowest-direct",
    }
    fresh = compatibility.collect_run([record], [])
    page = compatibility.render(workspace, compatibility.plan(workspace), fresh, ["3.13"])
    assert (
        "| min (0.1.0) | every dependency at its floor | **FAIL**<br>`pyyaml>=6` did not "
        "install at --resolution=lowest-direct<br>Python 3.13.0, 2026-12-02 |"
    ) in page
