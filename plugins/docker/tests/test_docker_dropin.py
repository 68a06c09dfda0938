"""The Docker executor drops into AgentChat where the local one goes: a
``CodeExecutorAgent`` in a team, and the ``retinue run`` example with its executor entry
changed to ``{provider: docker, ...}``."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import yaml
from retinue.chat import TextMessage
from retinue.testing import ScriptedChatAgent
from retinue_agentchat.agents import CodeExecutorAgent
from retinue_agentchat.conditions import TextMentionTermination
from retinue_agentchat.teams import RoundRobinGroupChat
from retinue_docker import DockerCommandLineCodeExecutor

REPO = Path(__file__).resolve().parents[3]
CODING_TEAM = REPO / "examples" / "coding_team.yaml"
TASK = "How many words are in 'the quick brown fox', and what is 2**10?"
# Output only a container of the executor gives: the bind-mounted work dir, no network.
WHERE = (
    "Run this:\n```python\nimport os, socket\n"
    "print('cwd', os.getcwd(), 'interfaces', [n for _, n in socket.if_nameindex()])\n```\n"
)


async def test_code_executor_agent_runs_code_in_the_container_in_a_team(
    docker_image: str, tmp_path: Path
) -> None:
    coder = ScriptedChatAgent("coder", [WHERE, "Done. TERMINATE"])
    async with DockerCommandLineCodeExecutor(
        image=docker_image, work_dir=tmp_path, timeout=30, pull=False
    ) as code_executor:
        team = RoundRobinGroupChat(
            [coder, CodeExecutorAgent("executor", code_executor)],
            termination_condition=TextMentionTermination("TERMINATE"),
        )
        result = await asyncio.wait_for(team.run(task="where do you run?"), 120)
    replies = [
        m.to_text()
        for m in result.messages
        if isinstance(m, TextMessage) and m.source == "executor"
    ]
    assert replies and "cwd /workspace interfaces ['lo']" in replies[0], replies
    assert result.stop_reason == "Text 'TERMINATE' mentioned"


def test_retinue_run_example_with_the_executor_entry_changed_to_docker(
    docker_image: str, tmp_path: Path
) -> None:
    spec = yaml.safe_load(CODING_TEAM.read_text())
    executor = spec["config"]["participants"][1]
    assert executor["config"]["name"] == "executor"
    # The one change a user makes (pull: false only because no registry is reachable here).
    executor["config"]["code_executor"] = {
        "provider": "docker",
        "config": {"image": docker_image, "timeout": 30, "pull": False},
    }
    path = tmp_path / "coding_team.yaml"
    path.write_text(yaml.safe_dump(spec))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from retinue.cli import main; sys.exit(main())",
            "run",
            str(path),
            "--task",
            TASK,
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["stop_reason"] == "Text 'TERMINATE' mentioned"
    texts = json.dumps(document["messages"])
    assert "words in 'the quick brown fox': 4" in texts and "2**10 = 1024" in texts
    # It ran in the container: the code file lies in the bind-mounted work dir.
    runs = [m for m in document["messages"] if m["type"] == "CodeExecutionEvent"]
    assert runs and runs[0]["result"]["code_file"].startswith("/workspace/"), runs
