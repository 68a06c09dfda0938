"""Every preset agent passes the kernel's AgentConformance suite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from retinue.chat import ChatAgent
from retinue.models import FunctionCall
from retinue.testing import AgentConformance, ScriptedChatCompletionClient
from retinue_agentchat import (
    AgentTool,
    AssistantAgent,
    CodeExecutorAgent,
    MessageFilterAgent,
    MessageFilterConfig,
    PerSourceFilter,
    SocietyOfMindAgent,
    UserProxyAgent,
)
from retinue_agentchat.teams import RoundRobinGroupChat
from retinue_local import LocalCommandLineCodeExecutor


def hello_client() -> ScriptedChatCompletionClient:
    return ScriptedChatCompletionClient(["hello"], cycle=True)


class TestAssistantAgent(AgentConformance):
    @pytest.fixture
    def agent(self) -> ChatAgent:
        return AssistantAgent("assistant", hello_client())


class TestAssistantAgentWithTools(AgentConformance):
    @pytest.fixture
    def agent(self) -> ChatAgent:
        call = FunctionCall(id="1", name="echo", arguments='{"task": "hi"}')
        client = ScriptedChatCompletionClient([[call], "done"], cycle=True)
        echo = AssistantAgent("echo", hello_client())
        return AssistantAgent(
            "assistant",
            client,
            tools=[AgentTool(echo)],
            handoffs=["user"],
            reflect_on_tool_use=True,
            model_client_stream=True,
        )


class TestCodeExecutorAgent(AgentConformance):
    @pytest.fixture
    async def agent(self, tmp_path: Path) -> AsyncIterator[ChatAgent]:
        async with LocalCommandLineCodeExecutor(work_dir=tmp_path) as executor:
            yield CodeExecutorAgent("runner", executor)

    @pytest.fixture
    def task(self) -> str:
        return "```python\nprint('hello')\n```"


class TestCodeExecutorAgentWithModel(AgentConformance):
    @pytest.fixture
    async def agent(self, tmp_path: Path) -> AsyncIterator[ChatAgent]:
        async with LocalCommandLineCodeExecutor(work_dir=tmp_path) as executor:
            client = ScriptedChatCompletionClient(
                ["```python\nprint(1)\n```", "It printed 1."], cycle=True
            )
            yield CodeExecutorAgent("coder", executor, model_client=client)


class TestUserProxyAgent(AgentConformance):
    @pytest.fixture
    def agent(self) -> ChatAgent:
        return UserProxyAgent("human", input_func=lambda prompt: "hello")


class TestSocietyOfMindAgent(AgentConformance):
    @pytest.fixture
    def agent(self) -> ChatAgent:
        team = RoundRobinGroupChat([AssistantAgent("inner", hello_client())], max_turns=1)
        return SocietyOfMindAgent("society", team, hello_client())


class TestMessageFilterAgent(AgentConformance):
    @pytest.fixture
    def agent(self) -> ChatAgent:
        config = MessageFilterConfig(
            per_source=[PerSourceFilter(source="user", position="last", count=1)]
        )
        return MessageFilterAgent("filtered", AssistantAgent("filtered", hello_client()), config)
