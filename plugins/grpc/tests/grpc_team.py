"""A round-robin team of two assistants on scripted models, spread over processes.

Every process builds the same team (``build_team``) with the same ``team_id``; each
worker hosts one participant, and the process that runs the team hosts none:

    retinue grpc host --address 127.0.0.1:50051
    retinue grpc worker grpc_team:host_writer --host 127.0.0.1:50051
    retinue grpc worker grpc_team:host_critic --host 127.0.0.1:50051
"""

from __future__ import annotations

from collections.abc import Collection

from retinue.runtime import AgentRuntime
from retinue.testing import ScriptedChatCompletionClient
from retinue_agentchat.agents import AssistantAgent
from retinue_agentchat.conditions import TextMentionTermination
from retinue_agentchat.teams import RoundRobinGroupChat


def build_team(runtime: AgentRuntime, hosted: Collection[str]) -> RoundRobinGroupChat:
    """The team spec every process shares; ``hosted`` names the participants it hosts."""
    writer = AssistantAgent(
        "writer",
        ScriptedChatCompletionClient(["draft one", "draft two"]),
        description="writes drafts",
    )
    critic = AssistantAgent(
        "critic",
        ScriptedChatCompletionClient(["needs work", "APPROVE"]),
        description="reviews drafts",
    )
    return RoundRobinGroupChat(
        [writer, critic],
        termination_condition=TextMentionTermination("APPROVE"),
        runtime=runtime,
        team_id="poets",
        hosted_participants=hosted,
    )


async def host_writer(runtime: AgentRuntime) -> None:
    """Worker setup: host the writer."""
    await build_team(runtime, ["writer"]).register_participants()


async def host_critic(runtime: AgentRuntime) -> None:
    """Worker setup: host the critic."""
    await build_team(runtime, ["critic"]).register_participants()
