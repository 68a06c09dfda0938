"""``retinue run``: the README's first command, run as a user would, in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from retinue import ConfigurationError

REPO = Path(__file__).resolve().parents[3]
CODING_TEAM = REPO / "examples" / "coding_team.yaml"
TASK = "How many words are in 'the quick brown fox', and what is 2**10?"


def retinue(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from retinue.cli import main; sys.exit(main())", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_coding_team_really_runs_code_and_a_tool_and_stops_on_terminate() -> None:
    done = retinue("run", str(CODING_TEAM), "--task", TASK)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "SCRIPTED model client" in out and "no API key" in out
    # The calculator tool really ran ...
    assert "'content': '1024', 'name': 'calculator'" in out
    # ... and so did the program, on the local executor.
    assert "---------- CodeExecutionEvent (executor) ----------" in out
    assert "words in 'the quick brown fox': 4" in out
    assert "Finish reason: Text 'TERMINATE' mentioned" in out
    assert "---------- Summary ----------" in out


def test_json_output_is_one_document_with_the_stop_reason() -> None:
    done = retinue("run", str(CODING_TEAM), "--task", TASK, "--output", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["stop_reason"] == "Text 'TERMINATE' mentioned"
    assert document["scripted_model"] is True
    assert document["messages"][0] == {**document["messages"][0], "source": "user", "content": TASK}
    assert "SCRIPTED" in done.stderr  # the notice stays out of the JSON


def test_max_turns_overrides_the_spec() -> None:
    done = retinue("run", str(CODING_TEAM), "--task", TASK, "--max-turns", "1")
    assert done.returncode == 0, done.stderr
    assert "Finish reason: Maximum number of turns 1 reached." in done.stdout


def test_trace_writes_spans_as_json_lines(tmp_path: Path) -> None:
    spans_file = tmp_path / "spans.jsonl"
    done = retinue("run", str(CODING_TEAM), "--task", TASK, "--trace", str(spans_file))
    assert done.returncode == 0, done.stderr
    spans = [json.loads(line) for line in spans_file.read_text().splitlines()]
    names = {span["name"] for span in spans}
    assert {"invoke_agent coder", "invoke_agent executor"} <= names, names


def test_an_agent_spec_runs_too(tmp_path: Path) -> None:
    spec = tmp_path / "agent.json"
    spec.write_text(
        json.dumps(
            {
                "provider": "assistant_agent",
                "config": {
                    "name": "helper",
                    "model_client": {"provider": "scripted", "config": {"replies": ["Paris."]}},
                },
            }
        )
    )
    done = retinue("run", str(spec), "--task", "Capital of France?")
    assert done.returncode == 0, done.stderr
    assert "---------- TextMessage (helper) ----------\nParis." in done.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "examples/missing.yaml", "--task", "x"], "cannot read component spec"),
        (
            ["run", str(CODING_TEAM), "--task", "x", "--max-turns", "0"],
            "--max-turns must be at least 1",
        ),
        (["run", str(CODING_TEAM), "--task", "x", "--trace", "spans.txt"], "ending in .jsonl"),
    ],
)
def test_bad_input_exits_1_with_a_clear_message(args: list[str], expected: str) -> None:
    done = retinue(*args)
    assert done.returncode == 1
    assert expected in done.stderr


def test_a_spec_that_is_neither_team_nor_agent_is_refused(tmp_path: Path) -> None:
    spec = tmp_path / "condition.yaml"
    spec.write_text("provider: max_message\nconfig: {max_messages: 3}\n")
    done = retinue("run", str(spec), "--task", "x")
    assert done.returncode == 1
    assert "retinue run needs a team or an agent spec" in done.stderr


def test_otlp_without_the_exporter_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from retinue_agentchat._tracing import tracer_provider_for

    for module in (
        "opentelemetry.exporter.otlp.proto.http.trace_exporter",
        "opentelemetry.exporter.otlp.proto.grpc.trace_exporter",
    ):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ConfigurationError, match="pip install opentelemetry-exporter-otlp"):
        tracer_provider_for("otlp")


def test_output_cut_off_by_a_pipe_ends_the_run_quietly() -> None:
    # `retinue run ... | head -1`: the reader takes one line and closes the pipe.
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from retinue.cli import main; sys.exit(main())",
            "run",
            str(CODING_TEAM),
            "--task",
            TASK,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        first_line = process.stdout.readline()
        process.stdout.close()
        returncode = process.wait(timeout=60)
        errors = process.stderr.read().decode()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert b"SCRIPTED" in first_line
    # 141 = 128 + SIGPIPE, what a command killed by a closed pipe reports.
    assert returncode == 141, errors
    assert errors == ""
