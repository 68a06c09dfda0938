"""``retinue run examples/coding_team.yaml`` against each provider's local wire server.

Only the spec's model entry changes per provider; the team, the calculator tool and
the code executor are the example's own and run for real.  The "provider" is a
server on 127.0.0.1 speaking its wire format with the conversation scripted below,
and validating every request as the real API does, so a request it would refuse
fails the run.  To add a provider, add a ``ProviderCase`` to ``CASES``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from retinue.testing.wire import RecordedRequest, ScriptedResponse, WireServer

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "coding_team.yaml"
TASK = "Check 2**10 + 3*7 and list the primes below 30"
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


@dataclass
class ProviderCase:
    """How one provider plays the coder's three turns: a tool call, a program, the end."""

    name: str
    env: dict[str, str]
    model_entry: Callable[[str], dict[str, Any]]
    # (request) -> response, for turn i; called with the request so streams get streams.
    turns: list[Callable[[RecordedRequest], ScriptedResponse]]
    server: Callable[[Callable[[RecordedRequest], ScriptedResponse]], WireServer]
    # Assertions on the provider's wire format of the three requests (first, second, third).
    check_requests: Callable[[list[dict[str, Any]]], None]


def _openai_turns() -> list[Callable[[RecordedRequest], ScriptedResponse]]:
    from retinue_openai.testing import chat_completion, chat_completion_stream, tool_call

    def either(
        text: str | None = None, calls: list[dict[str, Any]] | None = None
    ) -> Callable[[RecordedRequest], ScriptedResponse]:
        def respond(request: RecordedRequest) -> ScriptedResponse:
            if (request.json or {}).get("stream"):
                return chat_completion_stream([text] if text else [], tool_calls=calls or [])
            return chat_completion(text, tool_calls=calls or [])

        return respond

    calculator = tool_call("calculator", {"expression": "2**10 + 3*7"}, id="call_calc")
    return [either(calls=[calculator]), either(PROGRAM), either(DONE)]


def _openai_server(fallback: Callable[[RecordedRequest], ScriptedResponse]) -> WireServer:
    from retinue_openai.testing import OpenAIWireServer

    return OpenAIWireServer(fallback=fallback)


def _check_openai_requests(requests: list[dict[str, Any]]) -> None:
    first = requests[0]
    assert any(tool["function"]["name"] == "calculator" for tool in first["tools"])


def _gemini_turns() -> list[Callable[[RecordedRequest], ScriptedResponse]]:
    from retinue_gemini.testing import (
        gemini_completion_with_tool_calls,
        gemini_stream_with_tool_calls,
    )
    from retinue_openai.testing import chat_completion, chat_completion_stream

    calculator = [("calculator", {"expression": "2**10 + 3*7"})]

    def tool_turn(request: RecordedRequest) -> ScriptedResponse:
        # Gemini's own shapes: no index, real ids, split arguments, a thought signature.
        if (request.json or {}).get("stream"):
            return gemini_stream_with_tool_calls(calculator, pieces=3)
        return gemini_completion_with_tool_calls(calculator)

    def text_turn(text: str) -> Callable[[RecordedRequest], ScriptedResponse]:
        def respond(request: RecordedRequest) -> ScriptedResponse:
            if (request.json or {}).get("stream"):
                return chat_completion_stream([text], model="gemini-2.5-flash")
            return chat_completion(text, model="gemini-2.5-flash")

        return respond

    return [tool_turn, text_turn(PROGRAM), text_turn(DONE)]


def _gemini_server(fallback: Callable[[RecordedRequest], ScriptedResponse]) -> WireServer:
    from retinue_gemini.testing import GeminiWireServer

    return GeminiWireServer(fallback=fallback)


def _check_gemini_requests(requests: list[dict[str, Any]]) -> None:
    from retinue_gemini.testing import thought_signature

    _check_openai_requests(requests)
    # The call went back whole, with the thought signature Gemini attached to it.
    [call] = next(m for m in requests[1]["messages"] if m.get("tool_calls"))["tool_calls"]
    assert call["function"]["name"] == "calculator"
    assert call["extra_content"] == {
        "google": {"thought_signature": thought_signature("calculator")}
    }
    assert all("name" not in m for r in requests for m in r["messages"])


def _anthropic_server(fallback: Callable[[RecordedRequest], ScriptedResponse]) -> WireServer:
    from retinue_anthropic.testing import AnthropicWireServer

    return AnthropicWireServer(fallback=fallback)


def _anthropic_turns() -> list[Callable[[RecordedRequest], ScriptedResponse]]:
    from retinue_anthropic.testing import messages_response, messages_stream, text, tool_use

    def either(
        content: list[dict[str, Any]], stop_reason: str = "end_turn"
    ) -> Callable[[RecordedRequest], ScriptedResponse]:
        def respond(request: RecordedRequest) -> ScriptedResponse:
            if (request.json or {}).get("stream"):
                return messages_stream(content, stop_reason=stop_reason)
            return messages_response(content, stop_reason=stop_reason)

        return respond

    calculator = tool_use("calculator", {"expression": "2**10 + 3*7"}, id="toolu_calc")
    return [either([calculator], "tool_use"), either([text(PROGRAM)]), either([text(DONE)])]


def _check_anthropic_requests(requests: list[dict[str, Any]]) -> None:
    first, second, _ = requests
    assert [t["name"] for t in first["tools"]] == ["calculator"]
    assert "input_schema" in first["tools"][0]
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


CASES = [
    ProviderCase(
        name="openai",
        env={"OPENAI_API_KEY": "sk-e2e-test"},
        model_entry=lambda url: {
            "provider": "openai",
            "kind": "model_client",
            "config": {"model": "gpt-4o", "base_url": url, "api_key": {"env": "OPENAI_API_KEY"}},
        },
        turns=_openai_turns(),
        server=_openai_server,
        check_requests=_check_openai_requests,
    ),
    ProviderCase(
        name="gemini",
        env={"GEMINI_API_KEY": "AIza-e2e-test"},
        model_entry=lambda url: {
            "provider": "gemini",
            "kind": "model_client",
            "config": {
                "model": "gemini-2.5-flash",
                "base_url": url,
                "api_key": {"env": "GEMINI_API_KEY"},
            },
        },
        turns=_gemini_turns(),
        server=_gemini_server,
        check_requests=_check_gemini_requests,
    ),
    ProviderCase(
        name="anthropic",
        env={"ANTHROPIC_API_KEY": "sk-ant-e2e-test-key-0123456789"},
        model_entry=lambda url: {
            "provider": "anthropic",
            "kind": "model_client",
            "config": {
                "model": "claude-sonnet-5",
                "base_url": url,
                "api_key": {"env": "ANTHROPIC_API_KEY"},
            },
        },
        turns=_anthropic_turns(),
        server=_anthropic_server,
        check_requests=_check_anthropic_requests,
    ),
]


@pytest.fixture(params=CASES, ids=lambda case: case.name)
def case(request: pytest.FixtureRequest) -> ProviderCase:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def wire(case: ProviderCase) -> Iterator[WireServer]:
    turns = iter(case.turns)

    def next_turn(request: RecordedRequest) -> ScriptedResponse:
        return next(turns)(request)

    # Turns are served in order, each in the format its request asks for (stream or not).
    with case.server(next_turn) as server:
        yield server


def _spec_with_model(tmp_path: Path, model_entry: dict[str, Any]) -> Path:
    spec = yaml.safe_load(EXAMPLE.read_text())
    coder = spec["config"]["participants"][0]
    assert coder["config"]["name"] == "coder"
    coder["config"]["model_client"] = model_entry
    path = tmp_path / "coding_team.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


@pytest.mark.slow
def test_example_team_runs_against_the_provider(
    case: ProviderCase, wire: WireServer, tmp_path: Path
) -> None:
    spec = _spec_with_model(tmp_path, case.model_entry(wire.base_url))
    retinue = Path(sys.executable).parent / "retinue"
    env = {**os.environ, **case.env}
    completed = subprocess.run(
        [str(retinue), "run", str(spec), "--task", TASK, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert wire.rejections == [], wire.rejections  # the API would have refused these
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert "TERMINATE" in document["stop_reason"]
    assert document["scripted_model"] is False
    texts = json.dumps(document["messages"])
    assert "1045" in texts
    assert "[2, 3, 5, 7, 11, 13, 17, 19, 23, 29]" in texts  # the executor really ran it

    requests = [r.json for r in wire.requests]
    assert len(requests) == 3
    first, second, third = requests
    case.check_requests(requests)
    assert TASK in json.dumps(first["messages"])
    # The tool's real result and then the executor's real output went back to the model.
    assert "1045" in json.dumps(second["messages"])
    assert "primes below 30" in json.dumps(third["messages"])
    assert case.env[next(iter(case.env))] not in completed.stdout + completed.stderr
