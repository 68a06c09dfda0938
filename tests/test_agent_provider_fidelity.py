"""An ``AssistantAgent`` on each provider's validating wire server: what the agent keeps
from a reply reaches the next request as the real API requires.

Anthropic's signed thinking and Gemini's thought signatures must come back with the
tool results, or the API refuses the request; a refusal must reach the caller as the
agent's visible reply.  The servers refuse invalid requests as the APIs do, so a
dropped block or signature fails these tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from retinue.chat import TextMessage
from retinue_agentchat.agents import AssistantAgent

TIMEOUT = 60


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@pytest.fixture
def anthropic_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-agent-test-0123456789")
    yield "sk-ant-agent-test-0123456789"


async def run(agent: AssistantAgent, task: str) -> Any:
    return await asyncio.wait_for(agent.run(task=task), timeout=TIMEOUT)


@pytest.mark.parametrize("stream", [False, True], ids=["create", "create_stream"])
async def test_anthropic_thinking_survives_the_agents_tool_loop(
    anthropic_key: str, stream: bool
) -> None:
    from retinue_anthropic import AnthropicChatCompletionClient
    from retinue_anthropic.testing import (
        AnthropicWireServer,
        messages_response,
        messages_stream,
        redacted_thinking,
        text,
        thinking,
        tool_use,
    )

    answer = messages_stream if stream else messages_response
    plan = thinking("Look the weather up first.")
    hidden = redacted_thinking()
    with AnthropicWireServer() as server:
        server.enqueue(
            answer(
                [plan, hidden, tool_use("get_weather", {"city": "Paris"})], stop_reason="tool_use"
            ),
            answer([thinking("It is sunny."), text("Sunny in Paris.")]),
        )
        client = AnthropicChatCompletionClient(
            "claude-sonnet-5",
            base_url=server.base_url,
            thinking={"type": "enabled", "budget_tokens": 2048},
            max_tokens=8000,
            max_retries=0,
        )
        agent = AssistantAgent(
            "weather",
            model_client=client,
            tools=[get_weather],
            reflect_on_tool_use=True,
            model_client_stream=stream,
        )
        result = await run(agent, "Weather in Paris?")
        await client.close()
        assert server.rejections == []
        assert result.messages[-1].content == "Sunny in Paris."
        assistant = server.requests[1].json["messages"][1]["content"]
        assert assistant[:2] == [plan, hidden]
        assert assistant[-1]["type"] == "tool_use"


@pytest.mark.parametrize("stream", [False, True], ids=["create", "create_stream"])
async def test_gemini_thought_signatures_survive_the_agents_tool_loop(stream: bool) -> None:
    from retinue_gemini import GeminiChatCompletionClient
    from retinue_gemini.testing import (
        GeminiWireServer,
        gemini_completion_with_tool_calls,
        gemini_stream_with_tool_calls,
        thought_signature,
    )
    from retinue_openai.testing import chat_completion, chat_completion_stream

    model = "gemini-3-pro-preview"
    calls = [("get_weather", {"city": "Paris"})]
    with GeminiWireServer() as server:
        if stream:
            server.enqueue(gemini_stream_with_tool_calls(calls, pieces=3, model=model))
            server.enqueue(chat_completion_stream(["Sunny in Paris."], model=model))
        else:
            server.enqueue(gemini_completion_with_tool_calls(calls, model=model))
            server.enqueue(chat_completion("Sunny in Paris.", model=model))
        client = GeminiChatCompletionClient(
            model,
            api_key="AIza-agent-test",
            base_url=server.base_url,
            max_retries=0,
            model_info={
                "vision": False,
                "function_calling": True,
                "json_output": True,
                "family": "gemini-3-pro",
            },
        )
        agent = AssistantAgent(
            "weather",
            model_client=client,
            tools=[get_weather],
            reflect_on_tool_use=True,
            model_client_stream=stream,
        )
        result = await run(agent, "Weather in Paris?")
        await client.close()
        assert server.rejections == []
        assert result.messages[-1].content == "Sunny in Paris."
        sent = server.requests[1].json["messages"][-2]["tool_calls"][0]
        assert sent["extra_content"] == {
            "google": {"thought_signature": thought_signature("get_weather")}
        }


@pytest.mark.parametrize("stream", [False, True], ids=["create", "create_stream"])
async def test_an_openai_refusal_is_the_agents_visible_reply(stream: bool) -> None:
    from retinue_openai import OpenAIChatCompletionClient
    from retinue_openai.testing import OpenAIWireServer, chat_completion, refusal_stream

    refusal = "I'm sorry, I can't help with that."
    with OpenAIWireServer() as server:
        server.enqueue(
            refusal_stream(refusal) if stream else chat_completion(None, refusal=refusal)
        )
        client = OpenAIChatCompletionClient(
            "gpt-4o", api_key="sk-agent-test", base_url=server.base_url, max_retries=0
        )
        agent = AssistantAgent("helper", model_client=client, model_client_stream=stream)
        result = await run(agent, "Do something you should not.")
        await client.close()
    reply = result.messages[-1]
    assert isinstance(reply, TextMessage)
    assert reply.content == refusal
    assert reply.metadata == {"refusal": "true"}
    context = await agent.model_context.get_messages()
    assert context[-1].content == refusal  # the agent sees it refused on the next turn
