"""Every Python and YAML snippet in the docs and READMEs runs as shown, or says why not.

Collected by glob, so a new page or plugin README is covered the day it lands: the root,
kernel, plugin and contrib READMEs and every ``docs/*.md`` page. Each fenced ``python``
block runs in a fresh interpreter from the repository root (relative paths work), with
no provider keys, and HTTP clients that honour the proxy variables (the model SDKs do)
sent to a dead proxy for anything but 127.0.0.1. Each fenced
``yaml`` block is loaded through :func:`retinue.load_component`; a team or agent spec
is also run on a task with ``retinue run``.

A block that cannot run as shown carries a marker, an HTML comment on the line before
its fence (invisible on GitHub and on the site):

``<!-- fragment: examples/NAME.py -->`` (or a file in ``examples/NAME/``)
    The block is part of that file: every statement of the block (imports by name,
    ``...`` placeholders aside) appears in it, and the example script runs
    (``test_example_runs``); a file in ``examples/NAME/`` is run by ``examples/NAME.py``.
``<!-- wire: openai -->`` (or ``anthropic``)
    The block calls a hosted model: it runs unchanged, with the provider's key and
    base URL pointing at the testing kit's wire server on 127.0.0.1, which refuses a
    request the real API would refuse.
``<!-- needs: VARIABLE -->``
    The block calls a hosted model that cannot be pointed elsewhere: it must parse
    and its imports must run; the rest needs ``VARIABLE`` and is not run here.

The extension template's README is a Jinja template: its examples are rendered and run
for every kind by ``tests/test_cookiecutter_all_kinds.py``; here it is only checked that
they all sit in the ``## Example`` section that test runs.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DOC_GLOBS = (
    "README.md",
    "kernel/README.md",
    "docs/*.md",
    "plugins/*/README.md",
    "contrib/*/README.md",
)
TEMPLATE_README = REPO / "cookiecutter-extension" / "{{cookiecutter.__project_slug}}" / "README.md"
EXAMPLES = sorted((REPO / "examples").glob("*.py"))
LANGUAGES = {"python": "python", "py": "python", "yaml": "yaml", "yml": "yaml"}
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>```+|~~~+)\s*(?P<lang>[\w+-]*)")
MARKER = re.compile(r"^<!--\s*(?P<word>fragment|wire|needs):\s*(?P<value>\S+)\s*-->$")
# generous: a snippet starts an interpreter and maybe a team; only a hang gets near it
TIMEOUT = 120
# spec keys whose kind differs from the key
ENTRY_KINDS = {"termination_condition": "termination", "tools": "tool"}


@dataclass(frozen=True)
class Snippet:
    """One fenced block of a Markdown file."""

    path: Path
    line: int
    language: str
    code: str
    marker: tuple[str, str] | None
    bad_marker: str | None

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


def _snippets(path: Path) -> list[Snippet]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Snippet] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(opening["fence"]):
            end += 1
        language = LANGUAGES.get(opening["lang"].lower())
        if language:
            before = next((ln.strip() for ln in reversed(lines[:index]) if ln.strip()), "")
            marker = MARKER.match(before)
            code = textwrap.dedent("\n".join(lines[index + 1 : end])) + "\n"
            found.append(
                Snippet(
                    path,
                    index + 1,
                    language,
                    code,
                    (marker["word"], marker["value"]) if marker else None,
                    before if before.startswith("<!--") and not marker else None,
                )
            )
        index = end + 1
    return found


def _doc_files() -> list[Path]:
    return sorted({path for pattern in DOC_GLOBS for path in REPO.glob(pattern)})


SNIPPETS = [snippet for path in _doc_files() for snippet in _snippets(path)]
PYTHON = [s for s in SNIPPETS if s.language == "python"]
YAML = [s for s in SNIPPETS if s.language == "yaml"]


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a snippet: no provider keys, no retinue switches, no way out."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RETINUE_") and not key.endswith(("_API_KEY", "_BASE_URL"))
    }
    # Any HTTP client that honours the proxy variables fails fast instead of leaving
    # the machine; the wire servers on 127.0.0.1 stay reachable.
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        env[proxy] = "http://127.0.0.1:9"
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


def _run(
    args: list[str], *, cwd: Path = REPO, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=env or _env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT,
    )


def _explain(snippet: Snippet, result: subprocess.CompletedProcess[str]) -> str:
    return (
        f"the snippet at {snippet.id} failed (exit {result.returncode}); fix it, or mark it "
        "as described in docs/writing-plugins.md#documentation-snippets\n"
        f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}"
    )


# --- wire servers for hosted-model snippets -----------------------------------------


@contextmanager
def _wire(provider: str) -> Iterator[dict[str, str]]:
    """Serve ``provider``'s API on 127.0.0.1; yield the variables that point a client at it."""
    if provider == "openai":
        from retinue_openai.testing import OpenAIWireServer, always_answer

        with OpenAIWireServer(fallback=always_answer("Hello!")) as server:
            yield {"OPENAI_API_KEY": "sk-docs-snippet", "OPENAI_BASE_URL": server.base_url}
    elif provider == "anthropic":
        from retinue_anthropic.testing import AnthropicWireServer, messages_response, text

        answer = messages_response([text("Hello!")])
        with AnthropicWireServer(fallback=lambda _request: answer) as server:
            yield {"ANTHROPIC_API_KEY": "sk-docs-snippet", "ANTHROPIC_BASE_URL": server.base_url}
    else:
        pytest.fail(f"no wire server for {provider!r}: use openai or anthropic, or `needs:`")


# --- fragments ------------------------------------------------------------------------


def _imports(node: ast.AST) -> set[tuple[str, str, str | None]]:
    names: set[tuple[str, str, str | None]] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.ImportFrom):
            names |= {(child.module or "", a.name, a.asname) for a in child.names}
        elif isinstance(child, ast.Import):
            names |= {("", a.name, a.asname) for a in child.names}
    return names


def _statements(tree: ast.AST) -> set[str]:
    return {ast.dump(node) for node in ast.walk(tree) if isinstance(node, ast.stmt)}


def _is_placeholder(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def _runner_of(part: Path) -> Path | None:
    """The example script that runs ``part``: itself, or examples/NAME.py for examples/NAME/."""
    examples = REPO / "examples"
    try:
        relative = part.resolve().relative_to(examples)
    except ValueError:
        return None
    return examples / (relative.parts[0] if len(relative.parts) == 1 else f"{relative.parts[0]}.py")


def _missing_from(fragment: ast.Module, example: ast.Module) -> list[str]:
    """The fragment's statements that the example does not contain, as source."""
    imported, statements = _imports(example), _statements(example)
    missing = []
    for node in fragment.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if not _imports(node) <= imported:
                missing.append(ast.unparse(node))
        elif not _is_placeholder(node) and ast.dump(node) not in statements:
            missing.append(ast.unparse(node))
    return missing


# --- the tests ------------------------------------------------------------------------


def test_snippets_are_collected() -> None:
    # The glob reaches every kind of page this test promises to cover.
    covered = {snippet.path.relative_to(REPO).parts[0] for snippet in SNIPPETS}
    assert {"docs", "plugins", "kernel"} <= covered, covered
    assert YAML and PYTHON


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.id)
def test_marker_is_known(snippet: Snippet) -> None:
    assert snippet.bad_marker is None, (
        f"{snippet.id}: {snippet.bad_marker!r} right before the block is not a snippet "
        "marker; use <!-- fragment: examples/NAME.py -->, <!-- wire: PROVIDER --> or "
        "<!-- needs: VARIABLE -->"
    )


@pytest.mark.parametrize("snippet", PYTHON, ids=lambda s: s.id)
def test_python_snippet(snippet: Snippet) -> None:
    try:
        tree = ast.parse(snippet.code, filename=snippet.id)
    except SyntaxError as error:
        pytest.fail(f"the snippet at {snippet.id} is not Python: {error}")
    word, value = snippet.marker or ("", "")
    if word == "fragment":
        part = REPO / value
        assert part.is_file() and _runner_of(part) in EXAMPLES, (
            f"{snippet.id} is marked as a fragment of {value}, which is neither a runnable "
            "example examples/NAME.py nor a file in examples/NAME/ next to one; name one "
            f"of {[p.relative_to(REPO).as_posix() for p in EXAMPLES]} or a file they run"
        )
        missing = _missing_from(tree, ast.parse(part.read_text(encoding="utf-8")))
        assert not missing, (
            f"{snippet.id} is marked as a fragment of {value}, but the example lacks:\n"
            + "\n".join(missing)
        )
        return
    try:
        # A program, not only Python: a top-level ``await`` parses but does not compile.
        compile(snippet.code, snippet.id, "exec")
    except SyntaxError as error:
        pytest.fail(
            f"the snippet at {snippet.id} is not a program: {error}; wrap awaits in "
            "asyncio.run(main()), or mark the block as a fragment of a runnable example"
        )
    if word == "needs":
        imports = ast.Module(
            [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)], []
        )
        result = _run([sys.executable, "-c", ast.unparse(imports)])
        assert result.returncode == 0, _explain(snippet, result)
        return
    if word == "wire":
        with _wire(value) as variables:
            result = _run([sys.executable, "-c", snippet.code], env=_env(variables))
    else:
        result = _run([sys.executable, "-c", snippet.code])
    assert result.returncode == 0, _explain(snippet, result)


def _env_references(value: Any) -> set[str]:
    if isinstance(value, dict):
        if set(value) == {"env"}:
            return {str(value["env"])}
        return set().union(*map(_env_references, value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*map(_env_references, value)) if value else set()
    return set()


LOAD_SPEC = """\
import json, sys
import retinue
spec = json.loads(sys.argv[1])
obj = retinue.load_component(spec)
print(type(obj).__name__)
"""


@pytest.mark.parametrize("snippet", YAML, ids=lambda s: s.id)
def test_yaml_snippet(snippet: Snippet, tmp_path: Path) -> None:
    assert snippet.marker is None, f"{snippet.id}: YAML blocks take no marker; they always load"
    document = yaml.safe_load(snippet.code)
    assert isinstance(document, dict), f"{snippet.id} is not a YAML mapping"
    if "provider" in document:
        spec = document
    else:
        # A spec entry, shown to replace the same entry of a larger spec
        # (``model_client: {...}``): it must load as a component of that kind.
        assert len(document) == 1, (
            f"{snippet.id} is neither a spec (provider, config) nor one entry of a spec"
        )
        ((key, spec),) = document.items()
        assert isinstance(spec, dict) and "provider" in spec, f"{snippet.id}: {key} holds no spec"
        spec = {"kind": ENTRY_KINDS.get(key, key), **spec}
    # Environment references resolve to a placeholder: loading must not need a real key.
    env = _env({name: "sk-docs-snippet" for name in _env_references(spec)})
    loaded = _run([sys.executable, "-c", LOAD_SPEC, json.dumps(spec)], env=env)
    assert loaded.returncode == 0, _explain(snippet, loaded)
    if spec.get("kind") in ("team", "agent"):
        spec_file = tmp_path / "spec.json"
        spec_file.write_text(json.dumps(spec), encoding="utf-8")
        retinue = Path(sys.executable).with_name("retinue")
        ran = _run(
            [str(retinue), "run", str(spec_file), "--task", "Say hello.", "--output", "json"],
            env=env,
        )
        assert ran.returncode == 0, _explain(snippet, ran)
        assert json.loads(ran.stdout)["stop_reason"], ran.stdout


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(example: Path, tmp_path: Path) -> None:
    # From an empty directory: an example finds its own files next to itself.
    result = _run([sys.executable, str(example)], cwd=tmp_path)
    assert result.returncode == 0, (
        f"{example.relative_to(REPO)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )


def test_template_readme_examples_are_the_ones_rendered_and_run() -> None:
    text = TEMPLATE_README.read_text(encoding="utf-8")
    example_section = re.search(r"^## Example\n(.*?)^## ", text, re.DOTALL | re.MULTILINE)
    assert example_section, "the template README lost its ## Example section"
    outside = text.replace(example_section.group(1), "")
    assert not re.search(r"^\s*```(python|py|yaml|yml)\b", outside, re.MULTILINE), (
        "a Python or YAML block of the template README is outside ## Example, where "
        "tests/test_cookiecutter_all_kinds.py does not run it"
    )


def test_multi_agent_example_resumes_from_its_saved_state(tmp_path: Path) -> None:
    example = str(REPO / "examples" / "multi_agent_team.py")
    state = tmp_path / "state.json"
    first = _run([sys.executable, example, "--state", str(state)], cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Finish reason: Text 'APPROVE' mentioned" in first.stdout
    assert "count_syllables" in first.stdout and "Resumed" not in first.stdout
    second = _run([sys.executable, example, "--state", str(state)], cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert f"Resumed the team saved in {state}" in second.stdout
    # The second process continued the first one's conversation: the writer's saved
    # context now holds the first run's draft and tool call next to the revision.
    saved = state.read_text(encoding="utf-8")
    assert "the sea keeps its time" in saved and "the moon pulls the tide" in saved
    assert "count_syllables" in saved and "rhymes_with" in saved
    fresh = _run([sys.executable, example, "--state", str(state), "--fresh"], cwd=tmp_path)
    assert fresh.returncode == 0 and "Resumed" not in fresh.stdout, fresh.stderr
    assert "the moon pulls the tide" not in state.read_text(encoding="utf-8")


def test_a_fragment_is_checked_statement_by_statement() -> None:
    example = ast.parse(
        "import asyncio\nfrom m import a, b\n\n\nasync def main():\n    x = a(1)\n    await b(x)\n"
    )
    # Imports by name, statements wherever they sit, placeholders skipped.
    assert _missing_from(ast.parse("from m import b\nx = a(1)\n...\nawait b(x)\n"), example) == []
    assert _missing_from(ast.parse("from m import b, c\nx = a(2)\n"), example) == [
        "from m import b, c",
        "x = a(2)",
    ]


def test_markers_are_read_and_a_misspelled_one_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- fragment: examples/x.py -->\n```python\npass\n```\n\n"
        "<!-- fragmnet: examples/x.py -->\n\n```yaml\na: 1\n```\n\n```console\n$ ls\n```\n",
        encoding="utf-8",
    )
    first, second = _snippets(page)
    assert (first.marker, first.bad_marker, first.language) == (
        ("fragment", "examples/x.py"),
        None,
        "python",
    )
    assert second.marker is None and second.bad_marker == "<!-- fragmnet: examples/x.py -->"
