"""`retinue new extension`: validation before rendering, atomic rendering, clear errors."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from retinue import ConfigurationError, RetinueError
from retinue._new import (
    KIND_CHOICES,
    find_template,
    kernel_range,
    render_extension,
    validate_extension,
)
from retinue.cli import main
from retinue.hookspecs import KINDS, PROVIDER_HOOKS

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "cookiecutter-extension"


def _entries(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


@pytest.mark.parametrize(
    ("name", "complaint"),
    [
        ("Weather", "lowercase letters"),
        ("weather_tools", "lowercase letters"),
        ("3d-tools", "starting with a letter"),
        ("weather--tools", "single hyphens"),
        ("", "invalid plugin name"),
        ("retinue-weather", "must not start with 'retinue'"),
        ("openai", "first-party"),
        ("agentchat", "first-party"),
        ("a" * 41, "40 or fewer"),
    ],
)
def test_bad_plugin_names_are_refused_with_the_rule(name: str, complaint: str) -> None:
    with pytest.raises(ConfigurationError, match=complaint) as caught:
        validate_extension(name, "tool")
    assert repr(name)[:20] in str(caught.value) or name == ""


def test_bad_kind_lists_the_choices() -> None:
    with pytest.raises(ConfigurationError) as caught:
        validate_extension("weather", "widget")
    message = str(caught.value)
    assert "'widget'" in message
    for kind in KIND_CHOICES:
        assert kind in message


@pytest.mark.parametrize("version", ["1", "0.1.0", "1.2.0rc1", "2.0.0.dev3", "1.0.post2"])
def test_pep440_versions_are_accepted(version: str) -> None:
    assert validate_extension("weather", "tool", version=version).version == version


@pytest.mark.parametrize("version", ["v1.0", "1.0-beta", "latest", "1..0", ""])
def test_bad_versions_are_refused(version: str) -> None:
    with pytest.raises(ConfigurationError, match="PEP 440"):
        validate_extension("weather", "tool", version=version)


@pytest.mark.parametrize("field", ["author", "description"])
def test_text_that_would_break_the_generated_files_is_refused(field: str) -> None:
    with pytest.raises(ConfigurationError, match=field):
        validate_extension("weather", "tool", **{field: 'say "hi"'})


def test_kernel_range_caps_at_next_minor_during_0x_and_next_major_after() -> None:
    assert kernel_range("0.1") == "retinue>=0.1,<0.2"
    assert kernel_range("1.4") == "retinue>=1.4,<2"
    with pytest.raises(ConfigurationError, match=r"MAJOR\.MINOR"):
        kernel_range("1")


def test_a_kernel_range_that_excludes_the_running_kernel_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="excludes the running kernel") as caught:
        validate_extension("weather", "tool", kernel_min="0.9")
    assert "--kernel-min 0.1" in str(caught.value)


def test_defaults_derive_names_and_the_current_kernel_range() -> None:
    spec = validate_extension("weather-tools", "code_executor")
    assert spec.distribution == "retinue-weather-tools"
    assert spec.package == "retinue_weather_tools"
    assert spec.requirement == "retinue>=0.1,<0.2"
    assert "code executor" in spec.description


def test_render_writes_a_standalone_project(tmp_path: Path) -> None:
    target = render_extension(validate_extension("weather", "tool"), tmp_path)
    assert target == tmp_path / "retinue-weather"
    assert _entries(tmp_path) == ["retinue-weather"]  # no scratch directory left behind
    package = target / "src" / "retinue_weather"
    assert _entries(package) == ["__init__.py", "_tool.py", "_workbench.py", "plugin.py"]
    pyproject = (target / "pyproject.toml").read_text()
    assert '"retinue>=0.1,<0.2"' in pyproject
    assert 'weather = "retinue_weather.plugin"' in pyproject
    assert "workspace = true" not in pyproject


def test_render_inside_a_workspace_joins_it(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.uv.workspace]\nmembers = ["kernel", "plugins/*", "contrib/*"]\n'
    )
    (tmp_path / "contrib").mkdir()
    target = render_extension(validate_extension("weather", "agent"), tmp_path / "contrib")
    assert target == tmp_path / "contrib" / "weather"
    pyproject = (target / "pyproject.toml").read_text()
    assert "retinue = { workspace = true }" in pyproject
    assert "retinue-agentchat = { workspace = true }" in pyproject


def test_render_refuses_a_non_empty_target_and_leaves_it_alone(tmp_path: Path) -> None:
    existing = tmp_path / "retinue-weather"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine")
    with pytest.raises(ConfigurationError, match="not empty"):
        render_extension(validate_extension("weather", "tool"), tmp_path)
    assert _entries(tmp_path) == ["retinue-weather"]
    assert _entries(existing) == ["notes.txt"]


def test_render_into_an_empty_existing_directory_works(tmp_path: Path) -> None:
    (tmp_path / "retinue-weather").mkdir()
    target = render_extension(validate_extension("weather", "termination"), tmp_path)
    assert (target / "src" / "retinue_weather" / "_termination.py").is_file()


def test_a_failure_while_rendering_leaves_nothing_behind(tmp_path: Path) -> None:
    broken = tmp_path / "template"
    shutil.copytree(TEMPLATE, broken)
    (broken / "hooks" / "post_gen_project.py").write_text("raise SystemExit(3)\n")
    output = tmp_path / "out" / "deeper"
    with pytest.raises(ConfigurationError, match="nothing was written"):
        render_extension(validate_extension("weather", "tool"), output, template=broken)
    assert _entries(tmp_path) == ["template"]
    # and the next render works
    assert render_extension(validate_extension("weather", "tool"), output).is_dir()


def test_a_directory_that_is_not_a_template_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not a cookiecutter template"):
        find_template(tmp_path)


def test_missing_cookiecutter_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cookiecutter.main", None)
    with pytest.raises(ConfigurationError, match=r"pip install 'retinue\[new\]'"):
        render_extension(validate_extension("weather", "tool"), tmp_path)
    assert _entries(tmp_path) == []


def test_the_cli_creates_a_project(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "new",
            "extension",
            "weather",
            "--kind",
            "model_client",
            "--version",
            "0.2.0",
            "--author",
            "Ada",
            "--description",
            "Weather answers.",
            "-o",
            str(tmp_path),
            "--no-input",
        ]
    )
    assert code == 0
    assert "Created retinue-weather (model_client)" in capsys.readouterr().out
    pyproject = (tmp_path / "retinue-weather" / "pyproject.toml").read_text()
    assert 'version = "0.2.0"' in pyproject
    assert 'description = "Weather answers."' in pyproject
    assert '{ name = "Ada" }' in pyproject


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["new", "extension", "Bad_Name", "--kind", "tool"], "invalid plugin name 'Bad_Name'"),
        (["new", "extension", "weather", "--kind", "tool", "--version", "x"], "PEP 440"),
        (["new", "extension", "weather", "--kind", "tool", "--kernel-min", "0.7"], "excludes"),
        (["new", "extension", "--kind", "tool"], "missing NAME"),
        (["new", "extension", "weather"], "missing --kind"),
    ],
)
def test_the_cli_reports_bad_input_and_writes_nothing(
    argv: list[str], complaint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "-o", str(tmp_path), "--no-input"]) == 1
    assert complaint in capsys.readouterr().err
    assert _entries(tmp_path) == []


def test_the_cli_refuses_an_unknown_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["new", "extension", "weather", "--kind", "widget", "-o", str(tmp_path)])
    assert caught.value.code == 2
    assert "invalid choice: 'widget'" in capsys.readouterr().err
    assert _entries(tmp_path) == []


def test_the_template_hook_validates_direct_cookiecutter_runs(tmp_path: Path) -> None:
    from cookiecutter.exceptions import FailedHookException
    from cookiecutter.main import cookiecutter

    with pytest.raises(FailedHookException):
        cookiecutter(
            str(TEMPLATE),
            no_input=True,
            output_dir=str(tmp_path),
            extra_context={"plugin_name": "Not Valid"},
        )
    assert _entries(tmp_path) == []
    rendered = cookiecutter(
        str(TEMPLATE),
        no_input=True,
        output_dir=str(tmp_path),
        extra_context={"plugin_name": "weather", "kind": "termination"},
    )
    assert Path(rendered).name == "retinue-weather"


def test_errors_are_retinue_errors() -> None:
    with pytest.raises(RetinueError):
        validate_extension("weather", "tool", version="nope")


def test_every_kind_the_hooks_define_is_offered() -> None:
    assert KIND_CHOICES == KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_its_own_implementation_registered_through_its_hook(
    kind: str, tmp_path: Path
) -> None:
    assert main(["new", "extension", "weather", "--kind", kind, "-o", str(tmp_path)]) == 0
    package = tmp_path / "retinue-weather" / "src" / "retinue_weather"
    modules = [name for name in _entries(package) if name not in ("__init__.py", "plugin.py")]
    assert modules, f"--kind {kind} generated no implementation module"
    (hook,) = [name for name, kinds in PROVIDER_HOOKS.items() if kind in kinds]
    assert f"def {hook}(register: Register)" in (package / "plugin.py").read_text()
    for name in [*modules, "__init__.py", "plugin.py"]:
        compile((package / name).read_text(), name, "exec")
    tests = (tmp_path / "retinue-weather" / "tests" / "test_weather.py").read_text()
    compile(tests, "test_weather.py", "exec")
    assert "Conformance" in tests, f"the tests generated for {kind} run no conformance suite"


def test_a_kind_the_template_cannot_generate_stops_the_rendering_with_a_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(TEMPLATE))
    import retinue_template_kinds

    assert set(retinue_template_kinds.IMPLEMENTATIONS) == set(KINDS)
    monkeypatch.delitem(retinue_template_kinds.IMPLEMENTATIONS, "memory")
    with pytest.raises(ValueError, match="no implementation for the kind 'memory'"):
        retinue_template_kinds.module_files("memory")
    with pytest.raises(ValueError, match="invalid kind 'widget'; choose one of: model_client"):
        retinue_template_kinds.provider_hook("widget")
