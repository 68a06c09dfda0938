"""CodeExecutorAgent on a real local executor: given code, generated code, retries, approval."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from retinue import CancellationToken, ConfigurationError, load_component
from retinue.chat import CodeExecutionEvent, CodeGenerationEvent, TextMessage
from retinue.models import UserMessage
from retinue.testing import ScriptedChatCompletionClient
from retinue_agentchat import ApprovalRequest, ApprovalResponse, CodeExecutorAgent
from retinue_local import LocalCommandLineCodeExecutor

PY = "```python\nprint(6 * 7)\n```"
FAILING = "```python\nraise SystemExit('broken')\n```"


@pytest.fixture
async def executor(tmp_path: Path) -> AsyncIterator[LocalCommandLineCodeExecutor]:
    async with LocalCommandLineCodeExecutor(work_dir=tmp_path) as running:
        yield running


async def test_runs_fenced_code_from_text_messages(executor: LocalCommandLineCodeExecutor) -> None:
    agent = CodeExecutorAgent("runner", executor)

    result = await agent.run(task=f"Please run:\n{PY}\n")

    reply = result.messages[-1]
    assert isinstance(reply, TextMessage) and reply.content.strip() == "42"
    event = next(m for m in result.messages if isinstance(m, CodeExecutionEvent))
    assert event.result.exit_code == 0


async def test_reports_failures_and_keeps_working(executor: LocalCommandLineCodeExecutor) -> None:
    agent = CodeExecutorAgent("runner", executor)

    failed = await agent.run(task=FAILING)
    assert "exit code 1" in failed.messages[-1].content
    assert "broken" in failed.messages[-1].content

    ok = await agent.run(task=PY)
    assert ok.messages[-1].content.strip() == "42"


async def test_without_code_says_what_to_send(executor: LocalCommandLineCodeExecutor) -> None:
    agent = CodeExecutorAgent("runner", executor)

    result = await agent.run(task="no code here")

    assert "No code blocks found" in result.messages[-1].content
    assert "```python" in result.messages[-1].content


async def test_only_supported_languages_and_sources_run(
    executor: LocalCommandLineCodeExecutor,
) -> None:
    agent = CodeExecutorAgent("runner", executor, sources=["coder"], supported_languages=["python"])
    messages = [
        TextMessage(content="```sh\necho from-shell\n```", source="coder"),
        TextMessage(content="```python\nprint('from-user')\n```", source="user"),
        TextMessage(content="```python\nprint('from-coder')\n```", source="coder"),
    ]

    response = await agent.on_messages(messages, CancellationToken())

    assert response.chat_message.to_text().strip() == "from-coder"


async def test_model_writes_code_and_reflects(executor: LocalCommandLineCodeExecutor) -> None:
    client = ScriptedChatCompletionClient([f"Here:\n{PY}", "The answer is 42."])
    agent = CodeExecutorAgent("coder", executor, model_client=client)

    result = await agent.run(task="What is 6*7? Use code.")

    kinds = [type(m) for m in result.messages]
    assert kinds == [TextMessage, CodeGenerationEvent, CodeExecutionEvent, TextMessage]
    generation = result.messages[1]
    assert generation.code_blocks[0].code.strip() == "print(6 * 7)"
    assert result.messages[2].result.output.strip() == "42"
    assert result.messages[-1].content == "The answer is 42."
    # the model saw the execution output before reflecting
    assert any(
        isinstance(m, UserMessage) and "42" in str(m.content) for m in client.requests[1].messages
    )


async def test_retries_after_an_error(executor: LocalCommandLineCodeExecutor) -> None:
    client = ScriptedChatCompletionClient(
        [
            FAILING,
            json.dumps({"reason": "fix the exit", "retry": True}),
            PY,
            "Fixed: 42",
        ]
    )
    agent = CodeExecutorAgent("coder", executor, model_client=client, max_retries_on_error=2)

    result = await agent.run(task="compute")

    executions = [m for m in result.messages if isinstance(m, CodeExecutionEvent)]
    assert [e.retry_attempt for e in executions] == [0, 1]
    assert [e.result.exit_code for e in executions] == [1, 0]
    assert result.messages[-1].content == "Fixed: 42"
    assert client.requests[1].json_output is not None


async def test_model_can_decline_to_retry(executor: LocalCommandLineCodeExecutor) -> None:
    client = ScriptedChatCompletionClient(
        [FAILING, json.dumps({"reason": "hopeless", "retry": False}), "Could not do it."]
    )
    agent = CodeExecutorAgent("coder", executor, model_client=client, max_retries_on_error=3)

    result = await agent.run(task="compute")

    assert len([m for m in result.messages if isinstance(m, CodeExecutionEvent)]) == 1
    assert result.messages[-1].content == "Could not do it."


async def test_reply_without_code_ends_the_turn(executor: LocalCommandLineCodeExecutor) -> None:
    client = ScriptedChatCompletionClient(["No code needed: 4."])
    agent = CodeExecutorAgent("coder", executor, model_client=client)

    result = await agent.run(task="2+2?")

    assert result.messages[-1].content == "No code needed: 4."


@pytest.mark.parametrize("is_async", [False, True])
async def test_rejected_code_does_not_run(
    executor: LocalCommandLineCodeExecutor, tmp_path: Path, is_async: bool
) -> None:
    marker = tmp_path / "ran.txt"
    seen: list[ApprovalRequest] = []

    def decide(request: ApprovalRequest) -> ApprovalResponse:
        seen.append(request)
        return ApprovalResponse(approved=False, reason="writes files")

    async def decide_async(request: ApprovalRequest) -> ApprovalResponse:
        return decide(request)

    code = f"```python\nopen({str(marker)!r}, 'w').write('x')\n```"
    agent = CodeExecutorAgent(
        "runner", executor, approval_func=decide_async if is_async else decide
    )

    result = await agent.run(task=code)

    assert not marker.exists()
    assert "not approved" in result.messages[-1].content
    assert "writes files" in result.messages[-1].content
    assert "open(" in seen[0].code


async def test_approved_code_runs(executor: LocalCommandLineCodeExecutor) -> None:
    agent = CodeExecutorAgent(
        "runner", executor, approval_func=lambda r: ApprovalResponse(approved=True, reason="ok")
    )

    result = await agent.run(task=PY)

    assert result.messages[-1].content.strip() == "42"


async def test_approval_func_returning_garbage_is_a_clear_error(
    executor: LocalCommandLineCodeExecutor,
) -> None:
    agent = CodeExecutorAgent("runner", executor, approval_func=lambda r: True)  # type: ignore[arg-type,return-value]

    with pytest.raises(ConfigurationError, match="must return an ApprovalResponse"):
        await agent.run(task=PY)


def test_bad_arguments_are_refused(executor: LocalCommandLineCodeExecutor) -> None:
    with pytest.raises(ConfigurationError, match="code_executor must be a CodeExecutor"):
        CodeExecutorAgent("runner", "python")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="needs a model_client"):
        CodeExecutorAgent("runner", executor, max_retries_on_error=2)
    with pytest.raises(ConfigurationError, match="max_retries_on_error"):
        CodeExecutorAgent("runner", executor, max_retries_on_error=-1)


async def test_state_and_spec_round_trip(executor: LocalCommandLineCodeExecutor) -> None:
    client = ScriptedChatCompletionClient(["no code", "still none"])
    agent = CodeExecutorAgent(
        "coder", executor, model_client=client, supported_languages=["python"]
    )
    await agent.run(task="hello")

    state = json.loads(json.dumps(await agent.save_state()))
    loaded = load_component(agent.dump_component().model_dump_json(), CodeExecutorAgent)
    await loaded.load_state(state)

    assert loaded.dump_component() == agent.dump_component()
    history = await loaded.model_context.get_messages()
    assert history[0] == UserMessage(content="hello", source="user")
