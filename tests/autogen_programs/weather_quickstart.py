"""AutoGen's quickstart (a tool-using assistant in a round-robin team, state saved and loaded).

Plain AutoGen 0.7.5 code: ``tests/test_autogen_imports.py`` runs it on retinue with only
the package prefixes rewritten (and AutoGen's replay client swapped for retinue's scripted
one), and on AutoGen itself when its environment is present.
"""

import asyncio
import json

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.base import TaskResult
from autogen_agentchat.conditions import TextMentionTermination
from autogen_agentchat.messages import TextMessage, ToolCallExecutionEvent
from autogen_agentchat.teams import RoundRobinGroupChat
from autogen_agentchat.ui import Console
from autogen_core import CancellationToken, FunctionCall
from autogen_core.models import CreateResult, ModelInfo, RequestUsage
from autogen_ext.models.replay import ReplayChatCompletionClient

MODEL_INFO = ModelInfo(
    vision=False,
    function_calling=True,
    json_output=False,
    family="unknown",
    structured_output=False,
)


async def get_weather(city: str) -> str:
    """Get the weather for a given city."""
    return f"The weather in {city} is 73 degrees and Sunny."


def weather_team(model_client: ReplayChatCompletionClient) -> RoundRobinGroupChat:
    agent = AssistantAgent(
        name="weather_agent",
        model_client=model_client,
        tools=[get_weather],
        system_message="You are a helpful assistant. Say TERMINATE when done.",
        reflect_on_tool_use=True,
    )
    return RoundRobinGroupChat([agent], termination_condition=TextMentionTermination("TERMINATE"))


async def main() -> None:
    tool_call = CreateResult(
        finish_reason="function_calls",
        content=[FunctionCall(id="call_1", name="get_weather", arguments='{"city": "New York"}')],
        usage=RequestUsage(prompt_tokens=10, completion_tokens=5),
        cached=False,
    )
    model_client = ReplayChatCompletionClient(
        [tool_call, "It is 73 degrees and Sunny in New York. TERMINATE"], model_info=MODEL_INFO
    )
    team = weather_team(model_client)
    result = await Console(team.run_stream(task="What is the weather in New York?"))
    assert isinstance(result, TaskResult)
    assert any(isinstance(m, ToolCallExecutionEvent) for m in result.messages)
    state = await team.save_state()
    await model_client.close()

    restored_client = ReplayChatCompletionClient(
        ["You asked about New York. TERMINATE"], model_info=MODEL_INFO
    )
    restored = weather_team(restored_client)
    await restored.load_state(json.loads(json.dumps(state)))
    print(
        "RESTORED STATE HAS THE TOOL RESULT:",
        "73 degrees" in json.dumps(await restored.save_state()),
    )
    again = await restored.run(
        task=TextMessage(content="What did I ask?", source="user"),
        cancellation_token=CancellationToken(),
    )
    final = again.messages[-1]
    assert isinstance(final, TextMessage)
    print("RESTORED:", final.content)
    print("STOP:", again.stop_reason)
    await restored_client.close()


asyncio.run(main())
