"""``retinue run`` at a terminal: each case is the input, the exact output and no traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
CODING_TEAM = REPO / "examples" / "coding_team.yaml"
COMMAND = [sys.executable, "-c", "import sys; from retinue.cli import main; sys.exit(main())"]


def retinue(
    *args: str, tmpdir: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **({"TMPDIR": str(tmpdir)} if tmpdir is not None else {})}
    env.pop("RETINUE_TRUST_CODE_SPECS", None)
    return subprocess.run(
        [*COMMAND, *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin if stdin is not None else "",
        timeout=120,
    )


def write_spec(tmp_path: Path, spec: dict[str, Any]) -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def scripted(*replies: Any) -> dict[str, Any]:
    return {"provider": "scripted", "config": {"replies": list(replies)}}


def team(*participants: dict[str, Any], **config: Any) -> dict[str, Any]:
    return {"provider": "round_robin", "config": {"participants": list(participants), **config}}


def assistant(name: str, **config: Any) -> dict[str, Any]:
    return {
        "provider": "assistant_agent",
        "config": {"name": name, "model_client": scripted("hello"), **config},
    }


def leftovers(tmpdir: Path) -> list[str]:
    return sorted(path.name for path in tmpdir.iterdir() if path.name.startswith("retinue-local-"))


def test_ctrl_c_ends_a_run_with_one_line_and_a_summary(tmp_path: Path) -> None:
    # The coder writes a program that runs for a minute; Ctrl-C arrives while it runs.
    slow = "Running it:\n```python\nimport time\nprint('started', flush=True)\ntime.sleep(60)\n```"
    executor = {
        "provider": "code_executor_agent",
        "config": {"name": "executor", "code_executor": {"provider": "local", "config": {}}},
    }
    spec = write_spec(tmp_path, team(assistant("coder", model_client=scripted(slow)), executor))
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    process = subprocess.Popen(
        [*COMMAND, "run", str(spec), "--task", "go"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TMPDIR": str(tmpdir)},
        # A shell without job control starts background jobs with Ctrl-C ignored; the
        # command under test must see it as it would at a terminal.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        seen = []
        for line in process.stdout:
            seen.append(line)
            if line.startswith("[Prompt tokens"):  # the coder's message is out: code runs next
                break
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    out = "".join(seen) + out
    assert process.returncode == 130, err
    assert err == "retinue: interrupted\n"
    summary = out[out.index("---------- Summary ----------") :].splitlines()
    assert summary[1:5] == [
        "Number of messages: 2",
        "Finish reason: interrupted",
        "Total prompt tokens: 4",
        "Total completion tokens: 28",
    ]
    assert summary[5].startswith("Duration: ")
    assert "Traceback" not in out + err
    assert leftovers(tmpdir) == []


def test_a_run_leaves_no_temp_dir_behind(tmp_path: Path) -> None:
    done = retinue("run", str(CODING_TEAM), "--task", "count", tmpdir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "---------- CodeExecutionEvent (executor) ----------" in done.stdout
    assert leftovers(tmp_path) == []


def test_a_missing_task_is_refused_with_a_sentence() -> None:
    done = retinue("run", str(CODING_TEAM))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "retinue: error: the task is missing: say what the team should do with --task, e.g. "
        "retinue run team.yaml --task 'Write a haiku about spring'\n"
    )


def test_an_empty_task_is_refused_with_a_sentence() -> None:
    done = retinue("run", str(CODING_TEAM), "--task", "  ")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("retinue: error: the task is empty: say what the team")


def test_a_misspelled_key_fails_without_the_scripted_model_note(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, team(assistant("a"), assistant("b", system_mesage="Be brief.")))
    done = retinue("run", str(spec), "--task", "hi")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "retinue: error: invalid config for 'assistant_agent' (AssistantAgent):\n"
        "  config.participants[1].config.system_mesage: unknown key; "
        "did you mean 'system_message'?\n"
    )


def test_a_participant_without_a_name_says_where_it_is(tmp_path: Path) -> None:
    nameless = {"provider": "assistant_agent", "config": {"model_client": scripted("x")}}
    spec = write_spec(tmp_path, team(assistant("a"), nameless))
    done = retinue("run", str(spec), "--task", "hi")
    assert done.returncode == 1
    assert done.stderr == (
        "retinue: error: invalid config for 'assistant_agent' (AssistantAgent):\n"
        "  config.participants[1].config.name: Field required\n"
    )


def test_a_nested_condition_says_where_it_is(tmp_path: Path) -> None:
    condition = {
        "provider": "or",
        "config": {
            "conditions": [
                {"provider": "max_message", "config": {"max_messages": 3}},
                {"provider": "text_mention", "config": {"txt": "DONE"}},
            ]
        },
    }
    spec = write_spec(tmp_path, team(assistant("a"), termination_condition=condition))
    done = retinue("run", str(spec), "--task", "hi")
    assert done.returncode == 1
    assert done.stderr == (
        "retinue: error: invalid config for 'text_mention' (TextMentionTermination):\n"
        "  config.termination_condition.config.conditions[1].config.text: Field required\n"
        "  config.termination_condition.config.conditions[1].config.txt: unknown key; "
        "did you mean 'text'?\n"
    )


def test_specs_that_are_not_a_mapping_say_what_they_hold(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    listed = tmp_path / "list.yaml"
    listed.write_text("- provider: round_robin\n")
    cases = {
        empty: f"component spec file {str(empty)!r} is empty; write a spec in it, e.g. the "
        "output of dump_component()",
        listed: f"component spec file {str(listed)!r} is a list of 1 item(s) (a YAML '- ' list "
        "or a JSON array), but a component spec is a mapping with 'provider' and 'config'; "
        'write it like {"provider": "openai", "kind": "model_client", "config": {...}}',
        tmp_path: f"cannot read component spec file {str(tmp_path)!r}: it is a directory; pass "
        "the path of a .json or .yaml spec file",
    }
    for path, message in cases.items():
        done = retinue("run", str(path), "--task", "hi")
        assert (done.returncode, done.stdout) == (1, "")
        assert done.stderr == f"retinue: error: {message}\n"


def test_an_unported_autogen_client_says_what_works_today(tmp_path: Path) -> None:
    ollama = {
        "provider": "autogen_ext.models.ollama.OllamaChatCompletionClient",
        "component_type": "model",
        "config": {"model": "llama3.2"},
    }
    spec = write_spec(tmp_path, team(assistant("a", model_client=ollama)))
    done = retinue("run", str(spec), "--task", "hi")
    assert done.returncode == 1
    assert done.stderr.startswith(
        "retinue: error: config.participants[0].config.model_client: cannot load component: "
        "no model_client provider named 'autogen_ext.models.ollama.OllamaChatCompletionClient' "
        "is registered."
    )
    assert "retinue has no Ollama client yet" in done.stderr
    assert "pip install" not in done.stderr and "Traceback" not in done.stderr


def test_trust_code_loads_a_spec_that_carries_code(tmp_path: Path) -> None:
    tool = {
        "provider": "function",
        "config": {
            "name": "add",
            "description": "Add two numbers.",
            "source_code": "def add(a: int, b: int) -> int:\n    return a + b\n",
        },
    }
    call = [{"id": "c1", "name": "add", "arguments": json.dumps({"a": 2, "b": 3})}]
    coder = assistant("coder", tools=[tool], model_client=scripted(call, "Done."))
    spec = write_spec(tmp_path, team(coder, max_turns=1))
    refused = retinue("run", str(spec), "--task", "add")
    assert refused.returncode == 1 and refused.stdout == ""
    assert "the --trust-code option of the retinue command" in refused.stderr
    done = retinue("run", str(spec), "--task", "add", "--trust-code")
    assert done.returncode == 0, done.stderr
    assert "'content': '5', 'name': 'add'" in done.stdout


def test_the_user_proxy_prompt_shows_once(tmp_path: Path) -> None:
    proxy = {"provider": "user_proxy_agent", "config": {"name": "me"}}
    spec = write_spec(tmp_path, team(proxy, max_turns=1))
    done = retinue("run", str(spec), "--task", "hi", stdin="my answer\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Enter your response: ") == 1
    assert "UserInputRequestedEvent" not in done.stdout
    assert "---------- TextMessage (me) ----------\nmy answer\n" in done.stdout
