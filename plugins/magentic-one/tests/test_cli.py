"""The m1 command, run as a real process: sample config, bad input, and a whole task
with a scripted model from a config file, in plain and rich output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from retinue.models import FunctionCall

from .conftest import ledger_json as ledger

TIMEOUT = 180


def m1(*args: str, cwd: Path, via_retinue: bool = False) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RETINUE_BLOCK_PLUGINS": "docker"}  # the local executor, with a warning
    command = (
        [sys.executable, "-c", "from retinue.cli import main; raise SystemExit(main())", "m1"]
        if via_retinue
        else [
            sys.executable,
            "-c",
            "from retinue_magentic_one._cli import main; raise SystemExit(main())",
        ]
    )
    return subprocess.run(
        [*command, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )


def scripted_config(path: Path) -> Path:
    open_call = FunctionCall(id="c1", name="open_path", arguments='{"path": "/notes.txt"}')
    replies = [
        "facts",
        "plan",
        ledger("FileSurfer", "Read notes.txt."),
        [open_call.model_dump()],
        ledger(satisfied=True, reason="The notes give it."),
        "The password hint is TULIP.",
    ]
    config = path / "m1.json"
    config.write_text(
        json.dumps({"client": {"provider": "scripted", "config": {"replies": replies}}})
    )
    (path / "notes.txt").write_text("Hint: TULIP\n")
    return config


def test_sample_config_is_a_client_spec(tmp_path: Path) -> None:
    done = m1("--sample-config", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(done.stdout)["client"]["provider"] == "openai"


def test_no_task_prints_usage(tmp_path: Path) -> None:
    done = m1(cwd=tmp_path)
    assert done.returncode == 2
    assert "usage: m1" in done.stderr and "give a task" in done.stderr


def test_a_missing_config_says_what_to_do(tmp_path: Path) -> None:
    done = m1("--no-hil", "do it", cwd=tmp_path)
    assert done.returncode == 2
    assert "no ./config.yaml" in done.stderr and "--sample-config" in done.stderr


def test_a_bad_config_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("client: [unclosed\n")
    done = m1("--config", "bad.yaml", "do it", cwd=tmp_path)
    assert done.returncode == 2 and "not valid YAML" in done.stderr


def test_a_task_runs_with_plain_output(tmp_path: Path) -> None:
    config = scripted_config(tmp_path)
    done = m1("--no-hil", "--config", str(config), "What is the hint?", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "warning: retinue-docker is not available" in done.stderr
    assert "without isolation" in done.stderr
    assert "---------- ToolCallSummaryMessage (FileSurfer) ----------" in done.stdout
    assert "Hint: TULIP" in done.stdout
    assert "The password hint is TULIP." in done.stdout


def test_retinue_m1_runs_with_rich_output(tmp_path: Path) -> None:
    config = scripted_config(tmp_path)
    done = m1(
        "--no-hil", "--rich", "--config", str(config), "hint?", cwd=tmp_path, via_retinue=True
    )
    assert done.returncode == 0, done.stderr
    assert "TextMessage (MagenticOneOrchestrator)" in done.stdout
    assert "The password hint is TULIP." in done.stdout
    assert "Stopped: The notes give it." in done.stdout
