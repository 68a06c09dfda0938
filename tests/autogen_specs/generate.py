"""Regenerate the AutoGen 0.7.5 component specs in this folder from AutoGen itself.

The JSON files next to this script are what AutoGen 0.7.5 writes with
``dump_component()``; ``tests/test_autogen_specs.py`` loads and runs them with
retinue.  They are committed, so the tests need no AutoGen; to refresh them run,
in an environment with ``autogen-agentchat==0.7.5`` and
``autogen-ext[openai,anthropic,azure]==0.7.5`` (never the workspace's)::

    python tests/autogen_specs/generate.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autogen_agentchat.agents import AssistantAgent, CodeExecutorAgent, UserProxyAgent
from autogen_agentchat.conditions import (
    ExternalTermination,
    FunctionCallTermination,
    HandoffTermination,
    MaxMessageTermination,
    SourceMatchTermination,
    StopMessageTermination,
    TextMentionTermination,
    TextMessageTermination,
    TimeoutTermination,
    TokenUsageTermination,
)
from autogen_agentchat.teams import RoundRobinGroupChat, SelectorGroupChat, Swarm
from autogen_core.model_context import (
    BufferedChatCompletionContext,
    HeadAndTailChatCompletionContext,
    UnboundedChatCompletionContext,
)
from autogen_core.models import ModelFamily
from autogen_core.tools import FunctionTool
from autogen_ext.code_executors.local import LocalCommandLineCodeExecutor
from autogen_ext.models.anthropic import AnthropicChatCompletionClient
from autogen_ext.models.openai import AzureOpenAIChatCompletionClient, OpenAIChatCompletionClient
from autogen_ext.models.replay import ReplayChatCompletionClient

HERE = Path(__file__).parent

TOOL_MODEL_INFO = {
    "vision": False,
    "function_calling": True,
    "json_output": False,
    "family": ModelFamily.UNKNOWN,
    "structured_output": False,
}


def word_count(text: str) -> int:
    """Count the words in a text."""
    return len(text.split())


def replay(*replies: str) -> ReplayChatCompletionClient:
    return ReplayChatCompletionClient(list(replies), model_info=TOOL_MODEL_INFO)


def specs() -> dict[str, Any]:
    writer = AssistantAgent(
        "writer",
        model_client=replay("A first draft.", "The final text. APPROVE"),
        system_message="You write short texts.",
        tools=[FunctionTool(word_count, description="Count the words in a text.")],
        reflect_on_tool_use=False,
    )
    critic = AssistantAgent(
        "critic",
        model_client=replay("Make it shorter.", "Good."),
        system_message="You review texts.",
        model_context=BufferedChatCompletionContext(buffer_size=5),
    )
    stop = TextMentionTermination("APPROVE") | MaxMessageTermination(10)
    return {
        "replay_client": replay("Hello"),
        "openai_client": OpenAIChatCompletionClient(model="gpt-4o", api_key="sk-not-a-real-key"),
        "azure_openai_client": AzureOpenAIChatCompletionClient(
            model="gpt-4o",
            azure_endpoint="https://example.openai.azure.com",
            azure_deployment="gpt-4o",
            api_version="2024-10-21",
            api_key="not-a-real-key",
        ),
        "anthropic_client": AnthropicChatCompletionClient(
            model="claude-3-5-sonnet-20241022", api_key="not-a-real-key"
        ),
        "assistant_agent": writer,
        "user_proxy_agent": UserProxyAgent("user"),
        "code_executor_agent": CodeExecutorAgent(
            "executor", code_executor=LocalCommandLineCodeExecutor(timeout=30)
        ),
        "round_robin_team": RoundRobinGroupChat([writer, critic], termination_condition=stop),
        "selector_team": SelectorGroupChat(
            [writer, critic],
            model_client=replay("writer", "critic", "writer"),
            termination_condition=stop,
        ),
        "swarm_team": Swarm(
            [
                AssistantAgent(
                    "alice",
                    model_client=replay("Hi from alice. TERMINATE"),
                    handoffs=["bob"],
                ),
                AssistantAgent("bob", model_client=replay("Hi from bob.")),
            ],
            termination_condition=TextMentionTermination("TERMINATE"),
        ),
        "unbounded_context": UnboundedChatCompletionContext(),
        "head_and_tail_context": HeadAndTailChatCompletionContext(head_size=2, tail_size=3),
        "conditions": (
            MaxMessageTermination(5)
            | TextMentionTermination("DONE")
            | StopMessageTermination()
            | TokenUsageTermination(max_total_token=1000)
            | HandoffTermination(target="user")
            | TimeoutTermination(timeout_seconds=60)
            | ExternalTermination()
            | SourceMatchTermination(["critic"])
            | TextMessageTermination(source="writer")
            | FunctionCallTermination("word_count")
        )
        & MaxMessageTermination(2),
    }


def main() -> None:
    for name, component in specs().items():
        dumped = component.dump_component().model_dump(mode="json")
        (HERE / f"{name}.json").write_text(json.dumps(dumped, indent=2) + "\n", encoding="utf-8")
        print("wrote", name)


if __name__ == "__main__":
    main()
