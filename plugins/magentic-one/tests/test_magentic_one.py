"""The MagenticOne helper: the standard team from one client, a coder and a terminal
whose code runs behind an approval function, and a human in the loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import retinue
from retinue.testing import ScriptedChatCompletionClient
from retinue_agentchat.agents import ApprovalRequest, ApprovalResponse
from retinue_magentic_one import MagenticOne

from .conftest import ledger_json as ledger

TIMEOUT = 60

CODE = "```python\nprint(6 * 7)\n```"


def local_executor(tmp_path: Path) -> object:
    return retinue.create("code_executor", "local", work_dir=tmp_path)


async def test_the_standard_team_and_a_human(tmp_path: Path) -> None:
    client = ScriptedChatCompletionClient(["unused"])
    team = MagenticOne(client, code_executor=local_executor(tmp_path), base_path=tmp_path)
    names = [p.name for p in team.participants]
    assert names == ["FileSurfer", "WebSurfer", "Coder", "ComputerTerminal"]
    with_user = MagenticOne(
        client,
        hil_mode=True,
        input_func=lambda prompt: "yes",
        code_executor=local_executor(tmp_path),
    )
    assert [p.name for p in with_user.participants][-1] == "User"


def test_no_executor_warns_about_local_code(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="without isolation"):
        MagenticOne(ScriptedChatCompletionClient(["unused"]), base_path=tmp_path)


async def test_code_runs_only_when_approved(tmp_path: Path) -> None:
    seen: list[str] = []

    def approve(request: ApprovalRequest) -> ApprovalResponse:
        seen.append(request.code)
        if len(seen) == 1:
            return ApprovalResponse(approved=False, reason="Not before lunch.")
        return ApprovalResponse(approved=True, reason="ok")

    client = ScriptedChatCompletionClient(
        [
            "facts",
            "plan",
            ledger("Coder", "Write code that prints 6*7."),
            CODE,
            ledger("ComputerTerminal", "Run it."),
            ledger("Coder", "It is after lunch: send the code again."),
            CODE,
            ledger("ComputerTerminal", "Run it now."),
            ledger(satisfied=True, reason="The terminal printed 42."),
            "42",
        ]
    )
    team = MagenticOne(
        client,
        code_executor=local_executor(tmp_path),
        approval_func=approve,
        base_path=tmp_path,
    )
    try:
        result = await asyncio.wait_for(team.run(task="What is 6*7?"), TIMEOUT)
    finally:
        await team.close()
    terminal = [m.to_text() for m in result.messages if m.source == "ComputerTerminal"]
    terminal = [t for t in terminal if t.strip()]
    assert "Not before lunch." in terminal[0]
    assert "42" in terminal[-1]
    assert len(seen) == 2 and "print(6 * 7)" in seen[0]
    assert result.messages[-1].to_text() == "42"


async def test_the_user_answers_in_the_loop(tmp_path: Path) -> None:
    asked: list[str] = []

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return "Use metric units."

    client = ScriptedChatCompletionClient(
        [
            "facts",
            "plan",
            ledger("User", "Which units do you want?"),
            ledger(satisfied=True, reason="The user answered."),
            "Metric it is.",
        ]
    )
    team = MagenticOne(
        client,
        hil_mode=True,
        input_func=answer,
        code_executor=local_executor(tmp_path),
        base_path=tmp_path,
    )
    result = await asyncio.wait_for(team.run(task="Convert 3 miles."), TIMEOUT)
    assert asked
    assert ("User", "Use metric units.") in [(m.source, m.to_text()) for m in result.messages]
