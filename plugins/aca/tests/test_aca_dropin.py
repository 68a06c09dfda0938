"""The ACA executor drops into AgentChat where the local one goes: a
``CodeExecutorAgent`` in a team runs its code in the (local) session pool."""

from __future__ import annotations

import asyncio

from aca_server import SessionPool
from retinue.chat import TextMessage
from retinue.testing import ScriptedChatAgent
from retinue_aca import ACADynamicSessionsCodeExecutor
from retinue_agentchat.agents import CodeExecutorAgent
from retinue_agentchat.conditions import TextMentionTermination
from retinue_agentchat.teams import RoundRobinGroupChat

# Two turns in one session: the second block reads the file the first one wrote.
FIRST = "Run this:\n```python\nopen('answer.txt', 'w').write(str(6 * 7))\nprint('set 42')\n```\n"
SECOND = "And this:\n```python\nprint('still', open('answer.txt').read())\n```\n"


async def test_code_executor_agent_runs_code_in_the_session_in_a_team(pool: SessionPool) -> None:
    coder = ScriptedChatAgent("coder", [FIRST, SECOND, "Done. TERMINATE"])
    code_executor = ACADynamicSessionsCodeExecutor(
        pool.endpoint, timeout=30, token_provider=lambda: "good-token", session_id="team-1"
    )
    async with code_executor:
        team = RoundRobinGroupChat(
            [coder, CodeExecutorAgent("executor", code_executor)],
            termination_condition=TextMentionTermination("TERMINATE"),
        )
        result = await asyncio.wait_for(team.run(task="compute the answer"), 120)
    replies = [
        m.to_text()
        for m in result.messages
        if isinstance(m, TextMessage) and m.source == "executor"
    ]
    assert len(replies) == 2 and "set 42" in replies[0] and "still 42" in replies[1], replies
    assert result.stop_reason == "Text 'TERMINATE' mentioned"
    executions = [r for r in pool.requests if r.path.endswith("/code/execute")]
    assert len(executions) == 2, "both blocks must have gone to the pool"
    assert {r.query["identifier"][0] for r in executions} == {"team-1"}
