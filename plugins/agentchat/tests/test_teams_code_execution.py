"""Teams that run code: an executor timing out is reported to the team, which carries on."""

from __future__ import annotations

from pathlib import Path

from retinue.chat import TextMessage
from retinue.testing import ScriptedChatAgent
from retinue_agentchat.agents import CodeExecutorAgent
from retinue_agentchat.conditions import TextMentionTermination
from retinue_agentchat.teams import RoundRobinGroupChat
from retinue_local import LocalCommandLineCodeExecutor

SLOW = "Run this:\n```python\nimport time\ntime.sleep(30)\n```\n"
FAST = "Try again:\n```python\nprint('quick result')\n```\n"


async def test_an_executor_timeout_reaches_the_team_and_the_next_turn_goes_on(
    tmp_path: Path,
) -> None:
    coder = ScriptedChatAgent("coder", [SLOW, FAST, "All done. TERMINATE"])
    executor = CodeExecutorAgent(
        "executor", LocalCommandLineCodeExecutor(timeout=0.5, work_dir=str(tmp_path))
    )
    team = RoundRobinGroupChat(
        [coder, executor], termination_condition=TextMentionTermination("TERMINATE")
    )
    result = await team.run(task="compute something")
    replies = [
        m.to_text()
        for m in result.messages
        if isinstance(m, TextMessage) and m.source == "executor"
    ]
    assert "ran longer than 0.5 s and was stopped" in replies[0]
    assert "quick result" in replies[1]
    assert result.stop_reason == "Text 'TERMINATE' mentioned"
