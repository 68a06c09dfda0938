"""``retinue run examples/coding_team.yaml`` against an Anthropic Messages API wire server.

Only the spec's model entry changes: the coder talks to Claude's API as served by a
server on 127.0.0.1 (scripted with ``retinue_anthropic.testing``); the calculator tool
and the local code executor run for real.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from retinue.testing.wire import RecordedRequest, ScriptedResponse, WireServer
from retinue_anthropic.testing import messages_response, messages_stream, text, tool_use

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "coding_team.yaml"
TASK = "Check 2**10 + 3*7 and list the primes below 30"
KEY = "sk-ant-e2e-test-key-0123456789"
PROGRAM = (
    "The calculator says 1045. Let me check it and list the primes:\n"
    "```python\n"
    "total = 2**10 + 3*7\n"
    'print(f"2**10 + 3*7 = {total}")\n'
    "primes = [n for n in range(2, 30) if all(n % d for d in range(2, n))]\n"
    'print(f"primes below 30: {primes}")\n'
    "```"
)
DONE = "The program printed 1045 and the primes below 30. TERMINATE"


def _turn(
    content: list[dict[str, Any]], stop_reason: str = "end_turn"
) -> Callable[[RecordedRequest], ScriptedResponse]:
    def respond(request: RecordedRequest) -> ScriptedResponse:
        if (request.json or {}).get("stream"):
            return messages_stream(content, stop_reason=stop_reason)
        return messages_response(content, stop_reason=stop_reason)

    return respond


@pytest.fixture
def wire() -> Iterator[WireServer]:
    # The coder's three turns, in order: a calculator call, a program, the end.
    turns = iter(
        [
            _turn(
                [tool_use("calculator", {"expression": "2**10 + 3*7"}, id="toolu_calc")],
                "tool_use",
            ),
            _turn([text(PROGRAM)]),
            _turn([text(DONE)]),
        ]
    )
    with WireServer(fallback=lambda request: next(turns)(request)) as server:
        yield server


@pytest.mark.slow
def test_example_team_runs_against_anthropic(wire: WireServer, tmp_path: Path) -> None:
    spec = yaml.safe_load(EXAMPLE.read_text())
    coder = spec["config"]["participants"][0]
    assert coder["config"]["name"] == "coder"
    coder["config"]["model_client"] = {
        "provider": "anthropic",
        "kind": "model_client",
        "config": {
            "model": "claude-sonnet-5",
            "base_url": wire.base_url,
            "api_key": {"env": "ANTHROPIC_API_KEY"},
        },
    }
    spec_path = tmp_path / "coding_team.yaml"
    spec_path.write_text(yaml.safe_dump(spec))

    retinue = Path(sys.executable).parent / "retinue"
    completed = subprocess.run(
        [str(retinue), "run", str(spec_path), "--task", TASK, "--output", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "ANTHROPIC_API_KEY": KEY},
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert "TERMINATE" in document["stop_reason"]
    texts = json.dumps(document["messages"])
    assert "1045" in texts
    assert "[2, 3, 5, 7, 11, 13, 17, 19, 23, 29]" in texts  # the executor really ran it

    first, second, third = (request.json for request in wire.requests)
    assert [t["name"] for t in first["tools"]] == ["calculator"]
    assert "input_schema" in first["tools"][0]
    assert TASK in json.dumps(first["messages"])
    # The tool's real result came back as a tool_result right after the tool_use.
    assistant, results = second["messages"][-2:]
    assert assistant["content"][-1]["type"] == "tool_use"
    assert results["content"][0] == {
        "type": "tool_result",
        "tool_use_id": "toolu_calc",
        "content": results["content"][0]["content"],
        "is_error": False,
    }
    assert "1045" in results["content"][0]["content"]
    assert "primes below 30" in json.dumps(third["messages"])
    assert KEY not in completed.stdout + completed.stderr
