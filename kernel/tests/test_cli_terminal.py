"""The kernel's ``retinue`` subcommands at a terminal: pipes, Ctrl-C, one provider's fields."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

COMMAND = [sys.executable, "-c", "import sys; from retinue.cli import main; sys.exit(main())"]
# Kernel builtins only, so the output does not depend on what else is installed.
KERNEL_ONLY = {**os.environ, "RETINUE_DISABLE_PLUGIN_AUTOLOAD": "1"}


def retinue(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args], capture_output=True, text=True, env=KERNEL_ONLY, timeout=60
    )


@pytest.mark.parametrize("args", [["plugins"], ["components"], ["components", "--json"]])
def test_output_cut_off_by_a_pipe_exits_quietly(args: list[str]) -> None:
    # `retinue components | head -0`: the reader has gone before anything is written.
    reader, writer = os.pipe()
    os.close(reader)
    done = subprocess.run(
        [*COMMAND, *args], stdout=writer, stderr=subprocess.PIPE, env=KERNEL_ONLY, timeout=60
    )
    os.close(writer)
    assert done.returncode == 141, done.stderr
    assert done.stderr == b""


def test_a_provider_shows_its_config_fields() -> None:
    done = retinue("components", "model_client", "scripted")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "model_client scripted (retinue.testing._scripted.ScriptedChatCompletionClient, "
        "retinue 0.1.0 (plugin 'retinue.builtins'))"
    )
    table = lines[lines.index("") + 1 :]
    assert table[0].split() == ["FIELD", "TYPE", "DEFAULT", "DESCRIPTION"]
    rows = {row.split()[0]: row.split(maxsplit=1)[1] for row in table[1:]}
    assert rows["model_info"].split() == ["dict[str,", "Any]", "|", "None", "None"]
    assert rows["cycle"].split() == ["bool", "False"]
    assert rows["replies"].split()[-1] == "[]"


def test_a_provider_with_json_prints_its_config_json_schema() -> None:
    done = retinue("components", "model_client", "scripted", "--json")
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert schema["type"] == "object"
    assert {"replies", "model_info", "cycle"} <= set(schema["properties"])
    assert schema["properties"]["cycle"] == {"default": False, "title": "Cycle", "type": "boolean"}


def test_a_misspelled_provider_is_refused_with_the_nearest_name() -> None:
    done = retinue("components", "runtime", "in_process")
    assert done.returncode == 1
    assert done.stderr == (
        "retinue: error: no runtime provider named 'in_process' is registered. Did you mean "
        "'inprocess'? Available runtime providers: inprocess.\n"
    )
    assert "Traceback" not in done.stderr
